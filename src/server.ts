// `npm start`: web and workers in one process (embedded mode by default).
import { runProcess } from './boot';

runProcess({ web: true, worker: true });
