package io.ipcq.tools.cli;

import io.ipcq.QueueException;
import picocli.CommandLine;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The {@code ipcq} command as a callable engine: parses, runs one verb, and turns every failure into one line
 * {@code ipcq: <verb>: <what is wrong, where>} on stderr plus an exit code (1 failed, 2 usage error). No stack
 * trace unless {@code --verbose}; no exception ever escapes.
 */
public final class Ipcq
{
    private Ipcq()
    {
    }

    /**
     * Runs one command line.
     *
     * @param args    the arguments after {@code ipcq}.
     * @param in      standard input (send reads messages from it).
     * @param out     standard output.
     * @param err     standard error.
     * @param stopper raised by Ctrl-C; pass a fresh one when there is no signal to watch.
     * @return the exit code.
     */
    public static int run(
        final String[] args, final InputStream in, final OutputStream out, final OutputStream err,
        final Stopper stopper)
    {
        final PrintWriter stdout = new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), false);
        final PrintWriter stderr = new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true);
        final boolean verbose = isVerbose(args);
        if (verbose)
        {
            // The queue's background agent reports its errors with a stack trace only when asked to.
            System.setProperty("ipcq.verbose", "true");
        }
        try
        {
            final IpcqCommand top = new IpcqCommand(in, stdout, stopper);
            final CommandLine commandLine = new CommandLine(top, new Factory(top))
                .setOut(stdout)
                .setErr(stderr)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setAbbreviatedOptionsAllowed(false)
                .setUnmatchedOptionsArePositionalParams(false)
                .setParameterExceptionHandler((ex, arguments) -> usageError(ex, stderr, verbose))
                .setExecutionExceptionHandler((ex, cmd, parseResult) ->
                    failure(ex, verbName(cmd), stderr, verbose));
            final int exitCode = commandLine.execute(args);
            stdout.flush();
            return exitCode;
        }
        catch (final Throwable ex)
        {
            // Anything that escaped picocli itself (it should not): still one line.
            return failure(ex, "ipcq", stderr, verbose);
        }
        finally
        {
            stdout.flush();
            stderr.flush();
            stopper.finished();
        }
    }

    /** A verb's name as typed: "send", or "bridge out" for a verb with its own verbs. */
    private static String verbName(final CommandLine cmd)
    {
        final CommandLine parent = cmd.getParent();
        return parent != null && parent.getParent() != null ?
            parent.getCommandName() + " " + cmd.getCommandName() : cmd.getCommandName();
    }

    private static boolean isVerbose(final String[] args)
    {
        for (final String arg : args)
        {
            if ("--".equals(arg))
            {
                return false;
            }
            if ("--verbose".equals(arg))
            {
                return true;
            }
        }
        return false;
    }

    private static int usageError(final CommandLine.ParameterException ex, final PrintWriter err, final boolean verbose)
    {
        final CommandLine cmd = ex.getCommandLine();
        final String verb = cmd.getCommandName();
        final boolean top = cmd.getParent() == null;
        String message = ex.getMessage();
        if (top && ex instanceof CommandLine.UnmatchedArgumentException)
        {
            final var unmatched = ((CommandLine.UnmatchedArgumentException)ex).getUnmatched();
            if (!unmatched.isEmpty() && !unmatched.get(0).startsWith("-"))
            {
                message = "unknown command '" + unmatched.get(0) + "': use one of create, send, recv, inspect, " +
                    "export, reap, seal, delete, purge, redrive";
            }
        }
        final String help = top ? "ipcq --help" : "ipcq " + verb + " --help";
        err.println(line(top ? null : verb, lowerFirst(message) + " (see '" + help + "')"));
        if (verbose)
        {
            ex.printStackTrace(err);
        }
        err.flush();
        return CliException.USAGE;
    }

    static int failure(final Throwable ex, final String verb, final PrintWriter err, final boolean verbose)
    {
        final String where = "ipcq".equals(verb) ? null : verb;
        final int exitCode;
        final String message;
        if (ex instanceof CliException)
        {
            exitCode = ((CliException)ex).exitCode();
            message = ex.getMessage();
        }
        else if (ex instanceof QueueException || ex instanceof IllegalArgumentException)
        {
            // Core messages are one line that names the path and the value: pass them on as they are.
            exitCode = CliException.FAILURE;
            message = ex.getMessage();
        }
        else if (ex instanceof UncheckedIOException || ex instanceof IOException)
        {
            exitCode = CliException.FAILURE;
            final Throwable io = ex instanceof UncheckedIOException ? ex.getCause() : ex;
            message = "I/O error: " + describe(io);
        }
        else if (ex instanceof InternalError)
        {
            // What the JVM throws when a mapped page vanished (the file was truncated under us): SIGBUS.
            exitCode = CliException.FAILURE;
            message = "the queue file changed under this command (truncated while mapped?): " + describe(ex);
        }
        else if (ex instanceof OutOfMemoryError)
        {
            exitCode = CliException.FAILURE;
            message = "out of memory: " + describe(ex);
        }
        else
        {
            exitCode = CliException.FAILURE;
            message = "unexpected " + describe(ex) + (verbose ? "" : " (run with --verbose for the stack trace)");
        }
        err.println(line(where, message));
        if (verbose)
        {
            ex.printStackTrace(err);
        }
        err.flush();
        return exitCode;
    }

    private static String describe(final Throwable ex)
    {
        final String text = ex.getMessage();
        final String name = ex.getClass().getSimpleName();
        return text == null || text.isBlank() ? name : name + ": " + text;
    }

    private static String line(final String verb, final String message)
    {
        final String oneLine = message == null ? "failed" :
            message.strip().replaceAll("\\s*[\\r\\n]+\\s*", "; ");
        return "ipcq: " + (verb == null ? "" : verb + ": ") + oneLine;
    }

    private static String lowerFirst(final String message)
    {
        if (message == null || message.isEmpty())
        {
            return "bad arguments";
        }
        if (message.length() > 1 && Character.isUpperCase(message.charAt(0)) &&
            !Character.isUpperCase(message.charAt(1)))
        {
            return message.substring(0, 1).toLowerCase(Locale.ROOT) + message.substring(1);
        }
        return message;
    }

    /**
     * Builds the verbs with a link to the top command (streams, stopper); picocli's own classes by default.
     */
    private static final class Factory implements CommandLine.IFactory
    {
        private final IpcqCommand top;
        private final CommandLine.IFactory fallback = CommandLine.defaultFactory();

        Factory(final IpcqCommand top)
        {
            this.top = top;
        }

        @Override
        public <K> K create(final Class<K> type) throws Exception
        {
            if (type == IpcqCommand.class)
            {
                return type.cast(top);
            }
            if (Verb.class.isAssignableFrom(type))
            {
                final K verb = fallback.create(type);
                ((Verb)verb).top = top;
                return verb;
            }
            return fallback.create(type);
        }
    }
}
