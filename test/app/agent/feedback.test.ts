import { describe, expect, it } from "vitest";
import { selectFeedback, similarity, type FeedbackRecord } from "../../../app/agent/feedback.ts";

const history: FeedbackRecord[] = [
  {
    kind: "rejected",
    request: "add a /weather command that shows the forecast",
    text: "No network calls from plugins.",
    verdict: "block",
    at: 1,
  },
  { kind: "review-comment", request: "weather command for Paris forecast", text: "Use an embed for forecasts.", at: 3 },
  { kind: "rolled-back", request: "change the tone to playful", text: "Users complained.", at: 2 },
  { kind: "review-comment", request: "add a dice roll command", text: "Test the edge cases.", at: 4 },
];

describe("feedback selection", () => {
  it("scores word overlap, ignoring filler words", () => {
    expect(similarity("add the weather command", "weather command please")).toBe(1);
    expect(similarity("weather", "dice")).toBe(0);
  });

  it("picks the most similar earlier feedback, most similar first", () => {
    const picked = selectFeedback("Add /weather with a forecast for a city", history);
    expect(picked.map((p) => p.text)).toEqual(["No network calls from plugins.", "Use an embed for forecasts."]);
    expect(picked[0]).toMatchObject({ kind: "rejected", verdict: "block" });
    expect(selectFeedback("something unrelated entirely", history)).toEqual([]);
  });
});
