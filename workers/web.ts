// `npm run web`: the HTTP process alone (server mode: run as many as needed behind a load balancer).
import { runProcess } from '../src/boot';

runProcess({ web: true, worker: false });
