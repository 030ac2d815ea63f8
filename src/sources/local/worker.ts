/** Worker thread: reads the files it is given and posts each file's entries back, packed. */
import { parentPort, workerData } from 'node:worker_threads';
import { readTasksForWorker, type ReadTask } from './load.js';

const { tasks } = workerData as { tasks: ReadTask[] };
readTasksForWorker(tasks, (m, transfer) => parentPort!.postMessage(m, transfer));
