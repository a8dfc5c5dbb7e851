// `npm run worker`: BullMQ workers, job schedulers and the outbox relay, without HTTP.
import { runProcess } from '../src/boot';

runProcess({ web: false, worker: true });
