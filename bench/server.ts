/** Shared by the HTTP benchmarks: wait for a spawned `tokenboard serve` to print its URL. */
import type { spawn } from 'node:child_process';

export async function waitForUrl(p: ReturnType<typeof spawn>): Promise<string> {
  let out = '';
  return new Promise((resolve, reject) => {
    p.stdout!.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]!);
    });
    p.stderr!.on('data', (d) => (out += d));
    p.on('exit', (c) => reject(new Error(`server exited ${c}: ${out}`)));
  });
}
