import { describe, expect, it } from "vitest";
import { featureIntent } from "../../../bot/conversation/feature-intent.ts";

describe("feature intent", () => {
  it.each([
    ["please add a /dance command to the bot", "a /dance command"],
    ["Could you please add weather forecasts to Ouro?", "weather forecasts"],
    ["can you make a trivia game for the bot", "a trivia game"],
    ["hey, add reminders to yourself!", "reminders"],
    ["teach yourself to tell jokes", "to tell jokes"],
  ])("recognises %j", (text, feature) => {
    expect(featureIntent(text)).toBe(feature);
  });

  it.each(["how do I add a role to the server?", "what is the weather", "please add me to the list", "the bot is great"])(
    "ignores %j",
    (text) => {
      expect(featureIntent(text)).toBeUndefined();
    },
  );
});
