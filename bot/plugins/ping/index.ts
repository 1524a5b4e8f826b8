// /ping: the smallest plugin, and the model for new ones.
import { definePlugin } from "../../plugin-api/index.ts";

export const PONG = "Pong!";

export default definePlugin({
  name: "ping",
  description: "Answers /ping with Pong!",
  commands: [
    {
      name: "ping",
      description: "Check that Ouro is awake",
      async run(call) {
        await call.reply(PONG);
      },
    },
  ],
});
