package io.ipcq.tools.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.InputStream;
import java.io.PrintWriter;

/**
 * The top of the command tree: holds what every verb shares (streams, the stopper) and the global options.
 */
@Command(
    name = "ipcq",
    mixinStandardHelpOptions = true,
    versionProvider = IpcqCommand.Version.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    header = "Create, feed, drain and inspect ipcq shared-memory queues.",
    description = {
        "Durations are a whole number and a unit: 250ms, 5s, 2m.",
        "Exit status: 0 done, 1 failed (the file, the queue or the system said no), 2 usage error, " +
            "130/143 interrupted." },
    subcommands = {
        CreateCommand.class,
        SendCommand.class,
        RecvCommand.class,
        InspectCommand.class,
        ExportCommand.class,
        ReapCommand.class,
        SealCommand.class,
        DeleteCommand.class,
        PurgeCommand.class,
        RedriveCommand.class,
        BridgeCommand.class,
        CommandLine.HelpCommand.class })
final class IpcqCommand implements Runnable
{
    @Option(names = "--verbose", scope = CommandLine.ScopeType.INHERIT,
        description = "On failure, also print the stack trace.")
    boolean verbose;

    final InputStream in;
    final PrintWriter out;
    final Stopper stopper;

    IpcqCommand(final InputStream in, final PrintWriter out, final Stopper stopper)
    {
        this.in = in;
        this.out = out;
        this.stopper = stopper;
    }

    @Override
    public void run()
    {
        throw CliException.usage("no command given: use one of create, send, recv, inspect, export, reap, seal, " +
            "delete, purge, redrive (see 'ipcq --help')");
    }

    /**
     * The version of the tools jar (from its Maven metadata) and of the file layout it reads.
     */
    static final class Version implements CommandLine.IVersionProvider
    {
        @Override
        public String[] getVersion()
        {
            String version = "unknown";
            try (InputStream props = IpcqCommand.class.getResourceAsStream(
                "/META-INF/maven/io.ipcq/ipc-tools/pom.properties"))
            {
                if (props != null)
                {
                    final java.util.Properties properties = new java.util.Properties();
                    properties.load(props);
                    version = properties.getProperty("version", version);
                }
            }
            catch (final java.io.IOException ignore)
            {
                // version stays unknown
            }
            return new String[]{
                "ipcq " + version + " (queue layout version " + io.ipcq.layout.QueueDescriptor.LAYOUT_VERSION +
                    "; Java " + Runtime.version() + ")" };
        }
    }
}
