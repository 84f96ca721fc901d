package io.ipcq.tools.cli;

/**
 * A failure the command reports as one line: {@code ipcq: <verb>: <message>}, with its exit code.
 * Exit 2 is a usage error (something wrong with the command line itself, found before any file is touched);
 * exit 1 is everything else (the file, the queue's state, the environment).
 */
final class CliException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    static final int FAILURE = 1;
    static final int USAGE = 2;

    private final int exitCode;

    private CliException(final int exitCode, final String message)
    {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    static CliException failure(final String message)
    {
        return new CliException(FAILURE, message);
    }

    static CliException usage(final String message)
    {
        return new CliException(USAGE, message);
    }

    int exitCode()
    {
        return exitCode;
    }
}
