package io.ipcq.tools.cli;

import io.ipcq.IpcQueue;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * Base of every verb: the shared streams and stopper, set by the factory that builds it.
 */
abstract class Verb implements Callable<Integer>
{
    IpcqCommand top;

    PrintWriter out()
    {
        return top.out;
    }

    Stopper stopper()
    {
        return top.stopper;
    }

    /**
     * Throws unless the lane exists in this queue, before anything is written to it.
     */
    static void checkLane(final IpcQueue queue, final Path path, final int lane)
    {
        if (lane < 0 || lane >= queue.lanes())
        {
            throw CliException.failure("lane " + lane + " does not exist in " + path + ": its lanes are 0.." +
                (queue.lanes() - 1));
        }
    }

    /**
     * Flushes stdout and throws if it cannot be written (closed pipe): a command must not go on consuming
     * messages nobody sees.
     */
    void flushOrFail(final String what)
    {
        final PrintWriter out = out();
        out.flush();
        if (out.checkError())
        {
            throw CliException.failure("cannot write to stdout (closed?): " + what);
        }
    }
}
