import { describe, expect, it } from "vitest";
import { selectFeedback, similarity, type FeedbackRecord } from "../../../app/agent/feedback.ts";

const DAY = 86_400_000;
const NOW = 100 * DAY;
const history: FeedbackRecord[] = [
  { kind: "review-comment", request: "add a dice roll command", text: "Test the edge cases.", at: NOW - 1 * DAY },
  { kind: "review-comment", request: "weather command for Paris forecast", text: "Use an embed for forecasts.", at: NOW - 2 * DAY },
  { kind: "rolled-back", request: "change the tone to playful", text: "Users complained.", at: NOW - 3 * DAY },
  {
    kind: "rejected",
    request: "add a /weather command with the forecast",
    text: "No network calls from plugins.",
    verdict: "block",
    at: NOW - 4 * DAY,
  },
  { kind: "rolled-back", request: "a quiz plugin", text: "It crashed on start.", at: NOW - 30 * DAY },
];

describe("feedback selection", () => {
  it("scores word overlap, ignoring filler words, slashes and generic words like command or plugin", () => {
    expect(similarity("add the weather command", "weather command please")).toBe(1);
    expect(similarity("/weather", "weather")).toBe(1);
    expect(similarity("weather", "dice")).toBe(0);
    expect(similarity("add a dice command", "add a weather command")).toBe(0);
  });

  it("picks recent rollbacks first, then the most similar earlier feedback; unrelated and old items stay out", () => {
    const picked = selectFeedback("Add /weather with a forecast for a city", history, { now: NOW });
    expect(picked.map((p) => p.text)).toEqual(["Users complained.", "No network calls from plugins.", "Use an embed for forecasts."]);
    expect(picked[1]).toEqual({
      kind: "rejected",
      request: "add a /weather command with the forecast",
      text: "No network calls from plugins.",
      verdict: "block",
    });
    expect(selectFeedback("something unrelated entirely", history, { now: NOW, recentRollbackMs: 0 })).toEqual([]);
  });

  it("gives the same feedback once, and honours the limit", () => {
    const twice = [history[3], { ...history[3], at: NOW - 5 * DAY }];
    expect(selectFeedback("weather forecast", twice, { now: NOW })).toHaveLength(1);
    expect(selectFeedback("weather forecast", history, { now: NOW, limit: 1 }).map((p) => p.kind)).toEqual(["rolled-back"]);
  });
});
