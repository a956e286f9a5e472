/* A process that forks while it has a context: the child leaves the
 * inherited context alone, makes its own and uses it; the parent's context
 * keeps working.
 *
 * Man pages: zmq_ctx_new(3), zmq_inproc(7).
 */
#include "testutil.h"

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Both processes run the same exchange on their own context. */
static void exchange (void *ctx, const char *ep, const char *text)
{
    void *pull = TU_SOCKET (ctx, ZMQ_PULL);
    void *push = TU_SOCKET (ctx, ZMQ_PUSH);
    CHECK_RC (zmq_bind (pull, ep));
    CHECK_RC (zmq_connect (push, ep));
    SEND_STR (push, text, 0);
    RECV_STR (pull, text);
    CHECK_EQ (zmq_close (push), 0);
    CHECK_EQ (zmq_close (pull), 0);
}

static void child (void)
{
    void *ctx;
    /* Should anything hang, the default action of SIGALRM ends the child
     * (with a status the parent reports) instead of the runner's timeout
     * leaving it behind. */
    signal (SIGALRM, SIG_DFL);
    alarm (20);
    ctx = CHECK_PTR (zmq_ctx_new ());
    exchange (ctx, "inproc://fork-child", "from the child");
    /* The same name the parent uses is free in the child's own context. */
    exchange (ctx, "inproc://fork-parent", "child again");
    CHECK_EQ (zmq_ctx_term (ctx), 0);
    _exit (0);
}

int main (void)
{
    void *ctx = CHECK_PTR (zmq_ctx_new ());
    void *keep = TU_SOCKET (ctx, ZMQ_PULL);
    int status = 0;
    pid_t pid;

    /* The parent has a context with a bound socket and live threads. */
    CHECK_RC (zmq_bind (keep, "inproc://fork-parent"));
    exchange (ctx, "inproc://fork-before", "before fork");

    fflush (NULL);
    pid = fork ();
    CHECK (pid != -1);
    if (pid == 0)
        child ();

    CHECK_EQ (waitpid (pid, &status, 0), pid);
    if (!WIFEXITED (status) || WEXITSTATUS (status) != 0) {
        char detail[64];
        snprintf (detail, sizeof detail, "wait status 0x%x", status);
        tu_fail (__FILE__, __LINE__, "child exited with status 0", detail);
    }

    /* The parent's context is unaffected. */
    exchange (ctx, "inproc://fork-after", "after fork");
    {
        void *push = TU_SOCKET (ctx, ZMQ_PUSH);
        CHECK_RC (zmq_connect (push, "inproc://fork-parent"));
        SEND_STR (push, "still bound", 0);
        RECV_STR (keep, "still bound");
        CHECK_EQ (zmq_close (push), 0);
    }
    CHECK_EQ (zmq_close (keep), 0);
    CHECK_EQ (zmq_ctx_term (ctx), 0);
    tu_use_all_helpers ();
    return 0;
}
