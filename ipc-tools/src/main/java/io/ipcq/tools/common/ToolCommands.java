package io.ipcq.tools.common;

import picocli.CommandLine;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * Runs a picocli command of the tools that are not {@code ipcq} verbs ({@code scripts/demo}, {@code scripts/chaos})
 * with the error contract of {@code ipcq}: {@code --help} prints the usage on stdout and exits 0; a usage error
 * (unknown option, missing or malformed value) is one line {@code ipcq NAME: ...} on stderr and exit 2; what the
 * command itself returns is the exit code otherwise.
 */
public final class ToolCommands
{
    private ToolCommands()
    {
    }

    /**
     * @param command the command object (annotated with {@code @Command}); its {@code call()} does the work and
     *                handles its own errors.
     * @param args    the arguments.
     * @param out     where help goes.
     * @param err     where a usage error goes.
     * @return the exit code.
     */
    public static int execute(
        final Callable<Integer> command, final String[] args, final PrintStream out, final PrintStream err)
    {
        final CommandLine commandLine = new CommandLine(command);
        final String name = commandLine.getCommandName();
        commandLine.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        commandLine.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        commandLine.setParameterExceptionHandler((ex, ignored) ->
        {
            err.println("ipcq " + name + ": " + ex.getMessage() + " (see --help)");
            return 2;
        });
        return commandLine.execute(args);
    }
}
