/* dstm_sandbox.c - the daemons' seccomp filters, put to the test: enter
 * a daemon's sandbox (kernel/sandbox.c, the same code), then make one
 * call.  An allowed call prints "alive" and exits 0; a forbidden one
 * must end the process with SIGSYS after the filter's line on stderr.
 *
 * usage: dstm_sandbox rpcdstmd|dstmgwd|rpcd CALL
 *   CALL: getpid | thread (a thread, allowed) | list (print the list) |
 *         mode (print "kill", or "log" in a sanitizer build) |
 *         execve | fork | ptrace | packet (an AF_PACKET socket) |
 *         setuid | mount */
#include <linux/if_ether.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel/sandbox.h"

static void
print_one(const char *name)
{
	printf("%s\n", name);
}

static void *
thread_main(void *arg)
{
	return arg;
}

int
main(int argc, char **argv)
{
	static const char *const progs[SANDBOX_COUNT] = {
		"rpcdstmd", "dstmgwd", "rpcd",
	};
	enum sandbox_prog p = SANDBOX_COUNT;
	char err[256];
	const char *call;

	if (argc != 3)
		return 2;
	for (int i = 0; i < SANDBOX_COUNT; i++)
		if (strcmp(argv[1], progs[i]) == 0)
			p = (enum sandbox_prog)i;
	if (p == SANDBOX_COUNT)
		return 2;
	call = argv[2];
	if (strcmp(call, "mode") == 0) {
		printf("%s\n", sandbox_enforcing() ? "kill" : "log");
		return 0;
	}
	if (strcmp(call, "list") == 0) {
		sandbox_print(p, print_one);
		return 0;
	}
	if (sandbox_enter(p, err, sizeof(err)) != 0) {
		fprintf(stderr, "dstm_sandbox: %s\n", err);
		return 3;
	}
	if (strcmp(call, "getpid") == 0) {
		(void)getpid();
	} else if (strcmp(call, "thread") == 0) {
		pthread_t t;

		if (pthread_create(&t, NULL, thread_main, NULL) != 0 ||
		    pthread_join(t, NULL) != 0)
			return 4;
	} else if (strcmp(call, "execve") == 0) {
		char *const av[] = { "true", NULL };

		execve("/bin/true", av, av + 1);
	} else if (strcmp(call, "fork") == 0) {
		(void)fork();
	} else if (strcmp(call, "ptrace") == 0) {
		(void)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
	} else if (strcmp(call, "packet") == 0) {
		(void)socket(AF_PACKET, SOCK_RAW, 0);
	} else if (strcmp(call, "setuid") == 0) {
		(void)syscall(SYS_setuid, 0);
	} else if (strcmp(call, "mount") == 0) {
		(void)mount("none", "/mnt", "tmpfs", 0, NULL);
	} else {
		return 2;
	}
	printf("alive\n");
	return 0;
}
