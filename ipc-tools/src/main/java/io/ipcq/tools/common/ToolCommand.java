package io.ipcq.tools.common;

import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * The shell of the picocli commands that are not {@code ipcq} verbs ({@code scripts/demo}, {@code scripts/chaos}),
 * with the error contract of {@code ipcq}:
 * <ul>
 *     <li>{@code -h}/{@code --help} prints the usage on stdout and exits 0;</li>
 *     <li>a usage error (unknown option, missing or malformed value) is one line {@code ipcq NAME: ... (see --help)}
 *     on stderr, exit 2; so is an {@link IllegalArgumentException} from the work (an option value out of range);</li>
 *     <li>an {@link IOException} or another runtime exception is one line {@code ipcq NAME: ...} on stderr, exit 1,
 *     with the stack trace only under {@code --verbose}; an interrupt is {@code ipcq NAME: interrupted}, exit 1;</li>
 *     <li>otherwise the exit code is what {@link #work()} returns.</li>
 * </ul>
 * A subclass is annotated with {@code @Command(name = ...)}, declares its own options and does the work in
 * {@link #work()}; {@code --verbose} and {@code --help} are declared here and listed after the subclass's options.
 */
public abstract class ToolCommand implements Callable<Integer>
{
    /** Listed after the subclass's own options (picocli lists by {@code order} when {@code sortOptions = false}). */
    private static final int LAST = Integer.MAX_VALUE - 1;

    @Option(names = "--verbose", order = LAST, description = "Stack traces on errors.")
    private boolean verbose;

    @Option(names = { "-h", "--help" }, order = LAST, usageHelp = true, description = "Show this help and exit.")
    private boolean help;

    /** Where the report goes. */
    protected final PrintStream out;
    /** Where errors go. */
    protected final PrintStream err;

    private String name;

    /**
     * @param out where the report and the help go.
     * @param err where errors go.
     */
    protected ToolCommand(final PrintStream out, final PrintStream err)
    {
        this.out = out;
        this.err = err;
    }

    /**
     * Parses the arguments into this command's options and runs it.
     *
     * @param args the command line.
     * @return the exit code.
     */
    public final int execute(final String[] args)
    {
        final CommandLine commandLine = new CommandLine(this);
        name = commandLine.getCommandName();
        commandLine.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        commandLine.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        commandLine.setParameterExceptionHandler((ex, ignored) ->
        {
            err.println("ipcq " + name + ": " + ex.getMessage() + " (see --help)");
            return 2;
        });
        return commandLine.execute(args);
    }

    /**
     * The command's work, with its options set.
     *
     * @return the exit code.
     * @throws IllegalArgumentException if an option's value is refused (exit 2).
     * @throws IOException              on a failure of the files or child processes it works with (exit 1).
     * @throws InterruptedException     if interrupted (exit 1).
     */
    protected abstract int work() throws IOException, InterruptedException;

    /**
     * @param ex an unexpected failure of {@link #work()}.
     * @return the text of its one line on stderr, after {@code ipcq NAME: }: by default its message.
     */
    protected String describe(final Exception ex)
    {
        return ex.getMessage();
    }

    @Override
    public final Integer call()
    {
        try
        {
            return work();
        }
        catch (final IllegalArgumentException ex)
        {
            err.println("ipcq " + name + ": " + ex.getMessage());
            return 2;
        }
        catch (final IOException | RuntimeException ex)
        {
            err.println("ipcq " + name + ": " + describe(ex));
            if (verbose)
            {
                ex.printStackTrace(err);
            }
            return 1;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            err.println("ipcq " + name + ": interrupted");
            return 1;
        }
    }
}
