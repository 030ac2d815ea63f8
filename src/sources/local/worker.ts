/** Worker thread: reads the files it is given and posts each file's entries back, packed. */
import { parentPort, workerData } from 'node:worker_threads';
import { readTasksForWorker, type ReadTask } from './load.js';

const { tasks, order, counter } = workerData as { tasks: ReadTask[]; order: Int32Array; counter: Int32Array };
readTasksForWorker(tasks, order, counter, (m, transfer) => parentPort!.postMessage(m, transfer));
