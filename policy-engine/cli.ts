// The policy check's command line, kept at this path for callers that name it; the entry
// itself is cli.mjs (plain JavaScript, so a cold start never has to strip its types).
import "./cli.mjs";
