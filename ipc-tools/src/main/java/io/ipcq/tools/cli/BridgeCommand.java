package io.ipcq.tools.cli;

import io.ipcq.IpcQueue;
import io.ipcq.bridge.BridgeIn;
import io.ipcq.bridge.BridgeOut;
import io.ipcq.bridge.BridgeSettings;
import io.ipcq.bridge.NatsLink;
import io.ipcq.tools.common.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code ipcq bridge out|in}: carries a queue to or from a NATS JetStream stream with the same ack semantics end to
 * end (docs/bridge.md). The work is in ipc-bridge; this is the command line.
 */
@Command(
    name = "bridge",
    mixinStandardHelpOptions = true,
    header = "Carry a queue to (out) or from (in) a NATS JetStream stream, acks end to end (docs/bridge.md).",
    subcommands = { BridgeCommand.Out.class, BridgeCommand.In.class })
final class BridgeCommand extends Verb
{
    @Override
    public Integer call()
    {
        throw CliException.usage("bridge needs a direction: 'bridge out PATH ...' or 'bridge in PATH ...'");
    }

    /**
     * What both directions take.
     */
    abstract static class Direction extends Verb
    {
        @Parameters(index = "0", paramLabel = "PATH", description = "The queue file.")
        Path path;

        @Option(names = "--nats", paramLabel = "URL", required = true,
            description = "Server URL(s), comma-separated: nats://host:port, tls://host:port, user:pass@ in the URL.")
        String natsUrl;

        @Option(names = "--stream", paramLabel = "NAME", required = true, description = "The JetStream stream.")
        String stream;

        @Option(names = "--create-stream",
            description = "Create the stream if missing: work-queue retention, discard new, a duplicate window, " +
                "limits from the queue's geometry. Without it a missing stream is an error.")
        boolean createStream;

        @Option(names = "--subject-prefix", paramLabel = "P",
            description = "Lane L travels on subject P.lane.L (default: the stream name).")
        String subjectPrefix;

        @Option(names = "--creds", paramLabel = "FILE", description = "NATS credentials file (JWT and NKey seed).")
        Path credentials;

        @Option(names = "--tls-truststore", paramLabel = "FILE", description = "Trust store (JKS/PKCS12) for TLS.")
        Path trustStore;

        @Option(names = "--tls-truststore-password", paramLabel = "PW", description = "Its password.")
        String trustStorePassword;

        @Option(names = "--tls-keystore", paramLabel = "FILE",
            description = "Key store with the client certificate, for mutual TLS.")
        Path keyStore;

        @Option(names = "--tls-keystore-password", paramLabel = "PW", description = "Its password.")
        String keyStorePassword;

        @Option(names = "--dedupe-window", paramLabel = "D", converter = Durations.class, defaultValue = "2m",
            description = "Duplicate window of a stream made by --create-stream (default: 2m).")
        Duration dedupeWindow;

        @Option(names = "--connect-timeout", paramLabel = "D", converter = Durations.class, defaultValue = "5s",
            description = "How long the first connection may take (default: 5s).")
        Duration connectTimeout;

        BridgeSettings.Builder settings()
        {
            return BridgeSettings.builder(natsUrl, stream)
                .createStream(createStream)
                .subjectPrefix(subjectPrefix)
                .credentials(credentials)
                .trustStore(trustStore, trustStorePassword)
                .keyStore(keyStore, keyStorePassword)
                .dedupeWindow(dedupeWindow)
                .connectTimeout(connectTimeout);
        }

        String subjects(final IpcQueue queue, final BridgeSettings settings)
        {
            return queue.lanes() == 1 ? settings.subject(0) :
                settings.subject(0) + ".." + settings.subject(queue.lanes() - 1);
        }
    }

    @Command(
        name = "out",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Lease from the queue, publish to JetStream, ack locally once JetStream confirmed.",
        description = "Runs until Ctrl-C or SIGTERM. One line on stdout when it runs; errors: one line, exit 1.")
    static final class Out extends Direction
    {
        @Option(names = "--window", paramLabel = "N", defaultValue = "" + BridgeSettings.DEFAULT_PUBLISH_WINDOW,
            description = "Publishes awaiting JetStream's answer at most (default: ${DEFAULT-VALUE}).")
        int window;

        @Override
        public Integer call()
        {
            final BridgeSettings settings = settings().publishWindow(window).build();
            try (IpcQueue queue = IpcQueue.open(path);
                 NatsLink link = NatsLink.connect(settings);
                 BridgeOut out = new BridgeOut(queue, link))
            {
                out().println("bridge out: " + path + " -> stream " + settings.stream() + " on " + settings.printableUrl() +
                    " (subjects " + subjects(queue, settings) + ", window " + window + ")");
                flushOrFail("bridge out");
                out.run(stopper()::stopping);
            }
            return 0;
        }
    }

    @Command(
        name = "in",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        header = "Pull from JetStream, send into the queue, ack JetStream once committed here.",
        description = "Runs until Ctrl-C or SIGTERM. One line on stdout when it runs; errors: one line, exit 1.")
    static final class In extends Direction
    {
        @Option(names = "--batch", paramLabel = "N", defaultValue = "" + BridgeSettings.DEFAULT_PULL_BATCH,
            description = "Messages asked for per pull (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--consumer", paramLabel = "NAME", defaultValue = BridgeSettings.DEFAULT_CONSUMER_NAME,
            description = "Durable consumer name; lane L uses NAME-lane-L (default: ${DEFAULT-VALUE}).")
        String consumer;

        @Option(names = "--ack-wait", paramLabel = "D", converter = Durations.class, defaultValue = "30s",
            description = "JetStream's ack wait for the consumers it creates (default: 30s).")
        Duration ackWait;

        @Override
        public Integer call()
        {
            final BridgeSettings settings = settings().pullBatch(batch).consumerName(consumer).ackWait(ackWait)
                .build();
            try (IpcQueue queue = IpcQueue.open(path);
                 NatsLink link = NatsLink.connect(settings);
                 BridgeIn in = new BridgeIn(queue, link))
            {
                out().println("bridge in: stream " + settings.stream() + " on " + settings.printableUrl() + " -> " + path +
                    " (subjects " + subjects(queue, settings) + ", batch " + batch + ")");
                flushOrFail("bridge in");
                in.run(stopper()::stopping);
            }
            return 0;
        }
    }
}
