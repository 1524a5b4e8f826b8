// Public API of the OpenAI-compatible stand-in.
export { startOpenAI, DEFAULT_API_KEY, DEFAULT_MODELS } from "./server.ts";
export type {
  OpenAIStandIn,
  OpenAIStandInOptions,
  ScriptedResponse,
  ScriptedError,
  ScriptedTurn,
  ScriptedToolCall,
  Handler,
  InjectedError,
} from "./server.ts";
