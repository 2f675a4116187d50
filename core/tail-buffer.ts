// Output of a program kept by its tail: only the end of stdout/stderr is ever shown (compilers and crashes
// say what happened last), and a chatty program must not exhaust memory. Keeps at least `capBytes`.

export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(private readonly capBytes: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - this.chunks[0]!.length >= this.capBytes) this.size -= this.chunks.shift()!.length;
  }

  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }

  clear(): void {
    this.chunks = [];
    this.size = 0;
  }
}
