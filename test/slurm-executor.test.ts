import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SlurmExecutor, parseJobInfo, slurmMinutes } from "../runners/slurm-executor.ts";
import { processesMatching, waitFor } from "../testbed/procs.ts";
import { haveSlurm, slurmSkipReason, startSlurm, type SlurmFixture } from "../testbed/slurm.ts";
import { haveSshd, startSshd } from "../testbed/sshd.ts";

describe("Slurm job bookkeeping", () => {
  it("reads state, exit code and reason from scontrol's one-line job record", () => {
    expect(parseJobInfo("JobId=7 JobName=x JobState=CANCELLED Reason=None ExitCode=0:15 RunTime=00:00:01")).toEqual({ state: "CANCELLED", exitCode: 0, signal: 15, reason: "None" });
    expect(parseJobInfo("")).toBeNull();
  });

  it("asks Slurm for at least one minute more than the command's own limit", () => {
    expect(slurmMinutes(1_000)).toBe("0:02:00");
    expect(slurmMinutes(3_600_000)).toBe("1:01:00");
  });
});

describe.skipIf(!haveSlurm)(`SlurmExecutor on a real single-node Slurm${slurmSkipReason ? ` (skipped: ${slurmSkipReason})` : ""}`, () => {
  let slurm: SlurmFixture;
  let executor: SlurmExecutor;
  const squeue = () => execFileSync("squeue", ["-h", "-o", "%i %T"], { env: { ...process.env, ...slurm.env }, encoding: "utf8" }).trim();

  beforeAll(async () => {
    slurm = await startSlurm();
    executor = new SlurmExecutor({ partition: slurm.partition, gpusPerJob: 0, workDir: slurm.workDir, pollIntervalMs: 100 }, { clientEnv: slurm.env });
  });
  afterAll(async () => {
    await executor?.close();
    await slurm?.stop();
  });

  it("compiles and runs a C program as batch jobs and returns its exit code, output and files", async () => {
    const dir = await executor.stage("hello", { "main.c": '#include <stdio.h>\nint main(void){printf("out");fprintf(stderr,"err");FILE*f=fopen("r.txt","w");fputs("42",f);fclose(f);return 7;}\n' });
    const build = await executor.exec({ argv: ["gcc", "-o", "main", "main.c"], cwd: dir, timeoutMs: 60_000 });
    expect(build).toMatchObject({ kind: "exited", exitCode: 0, timedOut: false });
    const run = await executor.exec({ argv: ["./main"], cwd: dir, timeoutMs: 30_000, env: { A: "x; touch /tmp/pwned-slurm" } });
    expect(run).toMatchObject({ kind: "exited", exitCode: 7, signal: null, stdout: "out", stderr: "err", timedOut: false });
    expect((await executor.readFile(`${dir}/r.txt`)).toString()).toBe("42");
    await executor.remove(dir);
    await expect(executor.readFile(`${dir}/r.txt`)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("cancels a job that outlives its limit and leaves none of its processes running", async () => {
    const marker = `nightshift-slurm-hang-${process.pid}-${Date.now()}`;
    const dir = await executor.stage("hang", { "hang.sh": `sleep 300 &\nexec sleep 301 # ${marker}\n` });
    const result = await executor.exec({ argv: ["sh", "hang.sh", marker], cwd: dir, timeoutMs: 1_500 });
    expect(result).toMatchObject({ kind: "exited", timedOut: true, signal: "SIGKILL" });
    await waitFor(() => processesMatching(marker).length === 0, 15_000, "the cancelled job's processes to end");
    expect(squeue()).toBe("");
  });

  it("reports a job cancelled from outside as a retryable infrastructure error, not a kernel failure", async () => {
    const dir = await executor.stage("victim", { "x": "" });
    const pending = executor.exec({ argv: ["sleep", "60"], cwd: dir, timeoutMs: 30_000 });
    await waitFor(() => / RUNNING$/m.test(squeue()), 15_000, "the job to run");
    const jobId = squeue().split(" ")[0]!;
    execFileSync("scancel", [jobId], { env: { ...process.env, ...slurm.env } });
    const result = await pending;
    expect(result).toMatchObject({ kind: "infra", retryable: true });
    expect(result.kind === "infra" && result.cause.includes(`job ${jobId} ended as CANCELLED`)).toBe(true);
  });

  it("reports a process killed by a signal as that signal", async () => {
    const dir = await executor.stage("segv", { "x": "" });
    const result = await executor.exec({ argv: ["sh", "-c", "kill -SEGV $$"], cwd: dir, timeoutMs: 30_000 });
    expect(result).toMatchObject({ kind: "exited", exitCode: null, signal: "SIGSEGV" });
  });
});

describe.skipIf(!haveSlurm || !haveSshd)("SlurmExecutor through a login node over SSH", () => {
  it("submits, follows and reads back a job with every Slurm command run on the login node", async () => {
    const slurm = await startSlurm();
    const login = await startSshd();
    const executor = new SlurmExecutor(
      {
        partition: slurm.partition,
        gpusPerJob: 0,
        workDir: slurm.workDir,
        pollIntervalMs: 100,
        login: { host: login.host, port: login.port, user: login.user, identityFile: login.identityFile, hostKeySha256: login.hostKeySha256, workDir: login.workDir, env: {}, builds: 1, runs: 1, connectTimeoutMs: 5_000 },
      },
      { clientEnv: slurm.env },
    );
    try {
      const dir = await executor.stage("via-login", { "run.sh": 'printf "%s" "$1" > arg.txt\nexit 5\n' });
      const result = await executor.exec({ argv: ["sh", "run.sh", "a b;$(touch pwned)"], cwd: dir, timeoutMs: 30_000 });
      expect(result).toMatchObject({ kind: "exited", exitCode: 5, timedOut: false });
      expect((await executor.readFile(`${dir}/arg.txt`)).toString()).toBe("a b;$(touch pwned)");
      await executor.probe();
    } finally {
      await executor.close();
      await login.stop();
      await slurm.stop();
    }
  });
});
