// A process that opens the app's store on DATABASE_URL (argv[2]) with the test key and says
// "opened" — two of them started at once show the migrations run once.
import { Store } from "../../../app/store/store.ts";

const s = new Store("/nonexistent-unused", Buffer.alloc(32, 7), Date.now, { databaseUrl: process.argv[2] });
s.changes.insert({
  id: `p${process.pid}`,
  requestId: `req-${process.pid}`,
  kind: "change",
  source: "discord",
  requester: "a",
  requesterKey: "discord:1",
  text: "t",
  title: "t",
});
s.close();
process.stdout.write("opened\n");
