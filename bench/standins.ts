// `npm run bench -- standins`: the stand-ins must never be what a later benchmark measures.
// Composes the GitHub and Discord stand-in measurements into one summary line.
import { report, type Figure } from "./report.ts";
import { benchGitHub } from "./standins-github.ts";
import { benchDiscord } from "./standins-discord.ts";

const figures: Record<string, Figure> = {
  ...(await benchDiscord()),
  ...(await benchGitHub()),
};
report("standins", figures);
