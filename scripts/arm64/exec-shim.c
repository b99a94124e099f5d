/*
 * exec-shim: binfmt_misc for one process tree. Loaded (LD_PRELOAD) into the arm64 Node that
 * scripts/test-arm64.sh runs under qemu-user; when that process (or a descendant) execs an aarch64
 * ELF, such as process.execPath for a child Node, the exec goes through qemu again
 * (ARM64_QEMU, with QEMU_CPU / QEMU_LD_PREFIX from the environment), as a kernel with qemu's
 * binfmt_misc entry would do. Any other program (x86 /bin/sh, npx's x86 node) is exec'd as it is,
 * without this library in its LD_PRELOAD. Nothing outside the test run changes (binfmt_misc is
 * host-wide on this kernel; this is not).
 *
 * Built by scripts/test-arm64.sh with aarch64-linux-gnu-gcc -shared -fPIC -O2 -ldl.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*execve_fn)(const char *, char *const[], char *const[]);

/* Whether path is an ELF file for aarch64 (e_machine 183). */
static int is_aarch64_elf(const char *path) {
  unsigned char h[20];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, h, sizeof h);
  close(fd);
  return n == (ssize_t)sizeof h && memcmp(h, "\177ELF", 4) == 0 && h[18] == 183 && h[19] == 0;
}

/* envp without LD_PRELOAD entries naming this library (a host program cannot load it). */
static char **without_shim(char *const envp[]) {
  size_t n = 0;
  while (envp[n]) n++;
  char **out = malloc((n + 1) * sizeof *out);
  if (!out) return (char **)envp;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (strncmp(envp[i], "LD_PRELOAD=", 11) == 0 && strstr(envp[i], "exec-shim")) continue;
    out[k++] = envp[i];
  }
  out[k] = NULL;
  return out;
}

/* The variables the emulation needs in every arm64 descendant, even one given a minimal env. */
static const char *const CARRY[] = {"LD_PRELOAD", "ARM64_QEMU", "QEMU_LD_PREFIX", "QEMU_CPU", "NODE_PATH"};
#define NCARRY (sizeof CARRY / sizeof CARRY[0])

/* Their values when the process started: a child's exec runs after libuv has pointed environ at the
   child's own environment, which may lack them. */
static char *saved[NCARRY];

__attribute__((constructor)) static void save_emulation_env(void) {
  for (size_t i = 0; i < NCARRY; i++) {
    const char *value = getenv(CARRY[i]);
    saved[i] = value ? strdup(value) : NULL;
  }
}

/* saved[] entry of a CARRY name. */
static const char *saved_var(const char *name) {
  for (size_t i = 0; i < NCARRY; i++)
    if (strcmp(CARRY[i], name) == 0) return saved[i];
  return NULL;
}

static int has_var(char *const envp[], const char *name) {
  size_t n = strlen(name);
  for (size_t i = 0; envp[i]; i++)
    if (strncmp(envp[i], name, n) == 0 && envp[i][n] == '=') return 1;
  return 0;
}

int execve(const char *path, char *const argv[], char *const envp[]) {
  execve_fn real = (execve_fn)dlsym(RTLD_NEXT, "execve");
  if (!real) { errno = ENOSYS; return -1; }
  const char *qemu = saved_var("ARM64_QEMU");
  if (!qemu || !is_aarch64_elf(path)) return real(path, argv, without_shim(envp));
  size_t argc = 0;
  while (argv[argc]) argc++;
  /* qemu [-L prefix] [-cpu model] [-E VAR=value]... -0 <argv0> <path> <argv1...>: the program sees
     the argv[0] and environment it was given, plus what the emulation needs where that lacks it. */
  char **qargv = malloc((argc + 2 * NCARRY + 9) * sizeof *qargv);
  if (!qargv) { errno = ENOMEM; return -1; }
  size_t k = 0;
  qargv[k++] = (char *)qemu;
  const char *prefix = saved_var("QEMU_LD_PREFIX");
  const char *cpu = saved_var("QEMU_CPU");
  if (prefix) { qargv[k++] = "-L"; qargv[k++] = (char *)prefix; }
  if (cpu) { qargv[k++] = "-cpu"; qargv[k++] = (char *)cpu; }
  for (size_t i = 0; i < NCARRY; i++) {
    const char *value = saved[i];
    if (!value || has_var(envp, CARRY[i])) continue;
    char *kv = malloc(strlen(CARRY[i]) + strlen(value) + 2);
    if (!kv) { errno = ENOMEM; return -1; }
    strcpy(kv, CARRY[i]);
    strcat(kv, "=");
    strcat(kv, value);
    qargv[k++] = "-E";
    qargv[k++] = kv;
  }
  qargv[k++] = "-0";
  qargv[k++] = argc > 0 ? argv[0] : (char *)path;
  qargv[k++] = (char *)path;
  for (size_t i = 1; i < argc; i++) qargv[k++] = argv[i];
  qargv[k] = NULL;
  return real(qemu, qargv, envp); /* returns only on failure; the strings are the process's to free */
}

/* glibc's exec* variants call its internal execve, not the one above: route them through it. */
extern char **environ;

int execv(const char *path, char *const argv[]) { return execve(path, argv, environ); }

int execvpe(const char *file, char *const argv[], char *const envp[]) {
  if (!*file) { errno = ENOENT; return -1; }
  if (strchr(file, '/')) return execve(file, argv, envp);
  const char *search = getenv("PATH");
  if (!search) search = "/bin:/usr/bin";
  size_t flen = strlen(file);
  int saw_eacces = 0;
  for (const char *p = search;; p++) {
    const char *start = p;
    while (*p && *p != ':') p++;
    size_t dlen = (size_t)(p - start);
    char buf[4096];
    if (dlen + flen + 2 <= sizeof buf) {
      memcpy(buf, start, dlen);
      size_t k = dlen;
      if (k == 0) buf[k++] = '.';
      buf[k++] = '/';
      memcpy(buf + k, file, flen + 1);
      execve(buf, argv, envp);
      if (errno == EACCES) saw_eacces = 1;
      else if (errno != ENOENT && errno != ENOTDIR) return -1;
    }
    if (!*p) break;
  }
  errno = saw_eacces ? EACCES : ENOENT;
  return -1;
}

int execvp(const char *file, char *const argv[]) { return execvpe(file, argv, environ); }
