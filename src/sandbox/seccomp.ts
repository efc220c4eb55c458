// The seccomp filter bubblewrap installs before it runs the server (`--seccomp FD`): a classic BPF program, as
// an array of `struct sock_filter`, that refuses the system calls an MCP server never needs and kernel exploits
// often start from (loading modules or BPF, tracing other processes, keyrings, mounting, new namespaces,
// io_uring). Everything else is allowed: a denylist keeps ordinary servers (Node.js, Python, Go) working.
// Refused calls fail with EPERM (ENOSYS for io_uring, so that libuv and others fall back to plain I/O); x32 calls
// on x86-64 (another numbering the list does not cover) fail with EPERM; a foreign architecture kills the process.

/** System call numbers per architecture (Linux uapi unistd tables). */
const SYSCALLS = {
  x64: {
    audit: 0xc000003e,
    refused: {
      ptrace: 101,
      process_vm_readv: 310,
      process_vm_writev: 311,
      kexec_load: 246,
      kexec_file_load: 320,
      init_module: 175,
      finit_module: 313,
      delete_module: 176,
      bpf: 321,
      perf_event_open: 298,
      userfaultfd: 323,
      add_key: 248,
      request_key: 249,
      keyctl: 250,
      mount: 165,
      umount2: 166,
      pivot_root: 155,
      chroot: 161,
      swapon: 167,
      swapoff: 168,
      reboot: 169,
      acct: 163,
      settimeofday: 164,
      clock_settime: 227,
      open_by_handle_at: 304,
      name_to_handle_at: 303,
      unshare: 272,
      setns: 308,
      open_tree: 428,
      move_mount: 429,
      fsopen: 430,
      fsconfig: 431,
      fsmount: 432,
      fspick: 433,
      mount_setattr: 442,
    },
    unavailable: { io_uring_setup: 425, io_uring_enter: 426, io_uring_register: 427 },
    /** x32 system calls carry this bit; the filter only knows the 64-bit numbers, so they are refused. */
    x32Bit: 0x40000000,
  },
  arm64: {
    audit: 0xc00000b7,
    refused: {
      ptrace: 117,
      process_vm_readv: 270,
      process_vm_writev: 271,
      kexec_load: 104,
      kexec_file_load: 294,
      init_module: 105,
      finit_module: 273,
      delete_module: 106,
      bpf: 280,
      perf_event_open: 241,
      userfaultfd: 282,
      add_key: 217,
      request_key: 218,
      keyctl: 219,
      mount: 40,
      umount2: 39,
      pivot_root: 41,
      chroot: 51,
      swapon: 224,
      swapoff: 225,
      reboot: 142,
      acct: 89,
      settimeofday: 170,
      clock_settime: 112,
      open_by_handle_at: 265,
      name_to_handle_at: 264,
      unshare: 97,
      setns: 268,
      open_tree: 428,
      move_mount: 429,
      fsopen: 430,
      fsconfig: 431,
      fsmount: 432,
      fspick: 433,
      mount_setattr: 442,
    },
    unavailable: { io_uring_setup: 425, io_uring_enter: 426, io_uring_register: 427 },
    x32Bit: undefined,
  },
} as const;

export type SeccompArch = keyof typeof SYSCALLS;

// BPF opcodes (linux/filter.h) and seccomp return values (linux/seccomp.h).
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const RET_K = 0x06;
const RET_KILL_PROCESS = 0x80000000;
const RET_ERRNO = 0x00050000;
const RET_ALLOW = 0x7fff0000;
const EPERM = 1;
const ENOSYS = 38;
/** Offsets in `struct seccomp_data`. */
const NR_OFFSET = 0;
const ARCH_OFFSET = 4;

interface Instruction {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

/** The names of the system calls the filter refuses (for the documentation and tests). */
export function refusedSyscalls(arch: SeccompArch): string[] {
  return [...Object.keys(SYSCALLS[arch].refused), ...Object.keys(SYSCALLS[arch].unavailable)];
}

/** True when Rampart has a filter for this machine's architecture. */
export function seccompSupported(arch: string = process.arch): arch is SeccompArch {
  return arch in SYSCALLS;
}

/** The filter as bubblewrap reads it from `--seccomp FD`: little-endian `struct sock_filter`s, 8 bytes each. */
export function seccompProgram(arch: SeccompArch): Buffer {
  const table = SYSCALLS[arch];
  const refused = Object.values(table.refused) as number[];
  const unavailable = Object.values(table.unavailable) as number[];
  const body: Instruction[] = [];
  // Each comparison jumps forward to one of the two return instructions that end the program.
  const checks = [
    ...refused.map((nr) => ({ nr, to: 'eperm' as const })),
    ...unavailable.map((nr) => ({ nr, to: 'enosys' as const })),
  ];
  // From the x32 test, the checks and the ALLOW return lie between it and the EPERM return.
  const toEpermFromX32 = checks.length + 1;
  checks.forEach((check, i) => {
    const toAllow = checks.length - i - 1; // instructions to skip to land on ALLOW
    const jump = check.to === 'eperm' ? toAllow + 1 : toAllow + 2;
    body.push({ code: JEQ_K, jt: jump, jf: 0, k: check.nr });
  });
  const program: Instruction[] = [
    { code: LD_W_ABS, jt: 0, jf: 0, k: ARCH_OFFSET },
    { code: JEQ_K, jt: 1, jf: 0, k: table.audit },
    { code: RET_K, jt: 0, jf: 0, k: RET_KILL_PROCESS },
    { code: LD_W_ABS, jt: 0, jf: 0, k: NR_OFFSET },
    ...(table.x32Bit !== undefined ? [{ code: JGE_K, jt: toEpermFromX32, jf: 0, k: table.x32Bit }] : []),
    ...body,
    { code: RET_K, jt: 0, jf: 0, k: RET_ALLOW },
    { code: RET_K, jt: 0, jf: 0, k: RET_ERRNO | EPERM },
    { code: RET_K, jt: 0, jf: 0, k: RET_ERRNO | ENOSYS },
  ];
  const buffer = Buffer.alloc(program.length * 8);
  program.forEach((ins, i) => {
    if (ins.jt > 255 || ins.jf > 255) throw new Error('seccomp program: jump out of range');
    buffer.writeUInt16LE(ins.code, i * 8);
    buffer.writeUInt8(ins.jt, i * 8 + 2);
    buffer.writeUInt8(ins.jf, i * 8 + 3);
    buffer.writeUInt32LE(ins.k >>> 0, i * 8 + 4);
  });
  return buffer;
}
