/*
 * sdnotify.c - see sdnotify.h.  The protocol is a stable interface of systemd
 * (its "Interface Portability and Stability" promise); a dozen lines here spare
 * pchatd a library dependency.
 */
#include "sdnotify.h"
#include "pchat_log.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int sdnotify(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	size_t n;
	ssize_t sent;
	int fd;

	if(path == NULL || path[0] == '\0')
		return 0;
	n = strlen(path);
	if((path[0] != '/' && path[0] != '@') || n >= sizeof(sa.sun_path)) {
		log_warn("sdnotify: NOTIFY_SOCKET '%s' is not a socket path", path);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, n);
	if(path[0] == '@')
		sa.sun_path[0] = '\0'; /* the abstract namespace */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if(fd < 0) {
		log_warn("sdnotify: socket: %s", strerror(errno));
		return -1;
	}
	sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
			(socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
	if(sent < 0)
		log_warn("sdnotify: cannot notify %s: %s", path, strerror(errno));
	close(fd);
	return sent < 0 ? -1 : 1;
}
