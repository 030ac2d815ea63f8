/** Worker thread: reads the files it is given and posts each file's entries back. */
import { parentPort, workerData } from 'node:worker_threads';
import { readFilesInThread, type SourceFile } from './load.js';

const { files } = workerData as { files: SourceFile[] };
readFilesInThread(files, (r) => parentPort!.postMessage(r));
