// The Action's entry, as in actions/typescript-action: nothing here but the call.
import { run } from "./run.ts";

await run();
