/** Worker thread: reads the files it is given and posts each file's entries back, packed. */
import { parentPort, workerData } from 'node:worker_threads';
import { readFilesForWorker, type SourceFile } from './load.js';

const { files } = workerData as { files: SourceFile[] };
readFilesForWorker(files, (m, transfer) => parentPort!.postMessage(m, transfer));
