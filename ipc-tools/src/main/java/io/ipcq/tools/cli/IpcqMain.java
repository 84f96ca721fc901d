package io.ipcq.tools.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;

/**
 * Entry point of {@code scripts/ipcq}. Thin on purpose: all the work is in {@link Ipcq}, which tests call directly.
 */
public final class IpcqMain
{
    private IpcqMain()
    {
    }

    public static void main(final String[] args)
    {
        final Stopper stopper = new Stopper();
        stopper.install();
        // The raw descriptor, not System.out: a PrintStream hides write errors, and recv must see a closed pipe.
        final int exitCode = Ipcq.run(args, System.in, new FileOutputStream(FileDescriptor.out), System.err, stopper);
        if (!stopper.stopping())
        {
            // Not while a signal's shutdown is under way: System.exit would then block for good.
            System.exit(exitCode);
        }
    }
}
