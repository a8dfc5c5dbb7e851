// `npm run demo`: `npm start` with the demo data (docs/demo-data.md) loaded first when the
// database has none — one process, since the embedded database allows only one.
import { runProcess } from '../src/boot';

runProcess({ web: true, worker: true, demo: true });
