// The process's own metrics, under the names prom-client's default metrics use (so the usual
// Node.js dashboards read them): CPU time, start time, memory, heap and open file descriptors.
// Read when scraped; nothing runs in between.
import { readdirSync } from "node:fs";
import { family } from "./exposition.ts";

const START_SECONDS = Math.round(Date.now() / 1000 - process.uptime());

/** Open file descriptors (Linux only: the entries of /proc/self/fd, less the one readdir opened). */
function openFds(): number | null {
  try {
    return readdirSync("/proc/self/fd").length - 1;
  } catch {
    return null;
  }
}

export function processMetrics(): string {
  const cpu = process.cpuUsage();
  const user = cpu.user / 1e6;
  const system = cpu.system / 1e6;
  const mem = process.memoryUsage();
  const fds = openFds();
  return [
    family("process_cpu_user_seconds_total", "counter", "Total user CPU time spent in seconds.", [{ value: user }]),
    family("process_cpu_system_seconds_total", "counter", "Total system CPU time spent in seconds.", [{ value: system }]),
    family("process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.", [{ value: user + system }]),
    family("process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.", [{ value: START_SECONDS }]),
    family("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.", [{ value: mem.rss }]),
    ...(fds === null ? [] : [family("process_open_fds", "gauge", "Number of open file descriptors.", [{ value: fds }])]),
    family("nodejs_heap_size_total_bytes", "gauge", "Process heap size from Node.js in bytes.", [{ value: mem.heapTotal }]),
    family("nodejs_heap_size_used_bytes", "gauge", "Process heap size used from Node.js in bytes.", [{ value: mem.heapUsed }]),
    family("nodejs_external_memory_bytes", "gauge", "Node.js external memory size in bytes.", [{ value: mem.external }]),
  ].join("");
}
