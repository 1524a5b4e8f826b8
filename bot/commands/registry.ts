// The core commands (bot core, protected). Plugin commands come from bot/plugins/index.ts.
import type { CoreCommand } from "../core/command.ts";
import { command as feature } from "./feature.ts";
import { command as status } from "./status.ts";
import { command as changes } from "./changes.ts";
import { command as rollback } from "./rollback.ts";
import { command as ouro } from "./ouro.ts";
import { command as forget } from "./forget.ts";
import { command as exportData } from "./export.ts";
import { command as help } from "./help.ts";
import { command as link } from "./link.ts";

export function coreCommands(): CoreCommand[] {
  return [feature, status, changes, rollback, ouro, forget, exportData, help, link];
}
