package io.ipcq.tools.cli;

import io.ipcq.QueueException;
import io.ipcq.read.QueueView;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.net.BindException;
import java.util.List;

@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Serve queues' depths, counters and participants as Prometheus metrics on /metrics (read-only).",
    description = {
        "Reads each queue on every scrape, as inspect does: maps it read-only, attaches nothing, writes nothing.",
        "QUEUE is a path or a glob in quotes ('/dev/shm/*'): a glob is expanded again at each scrape, and files it " +
            "matches that are not queues are skipped; a path given as such must be a queue.",
        "Prints the address it serves on, then runs until Ctrl-C. Metric names and labels: docs/operations.md." })
final class ExportCommand extends Verb
{
    @Option(names = "--listen", paramLabel = "HOST:PORT", required = true,
        description = "Address to serve on, e.g. 127.0.0.1:9464 (port 0: any free port).")
    String listen;

    @Parameters(index = "0..*", arity = "1..*", paramLabel = "QUEUE", description = "Queue files or globs.")
    List<String> queues;

    @Override
    public Integer call()
    {
        final String host;
        final int port;
        final int colon = listen.lastIndexOf(':');
        if (colon <= 0 || colon == listen.length() - 1)
        {
            throw CliException.usage("--listen " + listen + " is not HOST:PORT (e.g. 127.0.0.1:9464)");
        }
        host = listen.substring(0, colon).replace("[", "").replace("]", "");
        try
        {
            port = Integer.parseInt(listen.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw CliException.usage("--listen " + listen + ": the port is not a number");
        }
        if (port < 0 || port > 65535)
        {
            throw CliException.usage("--listen " + listen + ": the port must be in [0, 65535]");
        }

        final QueueMetrics metrics = new QueueMetrics(queues);
        final int found = checkQueues(metrics);
        final PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(metrics);
        try (HTTPServer server = start(host, port, registry))
        {
            out().println("serving http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" +
                server.getPort() + "/metrics for " + found + (found == 1 ? " queue" : " queues") +
                " (read on each scrape); Ctrl-C to stop");
            flushOrFail("export");
            while (!stopper().stopping())
            {
                stopper().sleep(200);
            }
        }
        return 0;
    }

    /**
     * Reads every queue once before serving, so that bad input is told at once rather than at the first scrape.
     *
     * @return how many queues the targets name now.
     */
    private static int checkQueues(final QueueMetrics metrics)
    {
        final List<java.nio.file.Path> paths;
        try
        {
            paths = metrics.resolve();
        }
        catch (final IOException ex)
        {
            throw CliException.failure("cannot list queues: " + ex.getMessage());
        }
        if (paths.isEmpty())
        {
            throw CliException.failure("no queue matches " + String.join(" ", metrics.targets()));
        }
        for (final java.nio.file.Path path : paths)
        {
            try (QueueView ignored = QueueView.open(path))
            {
                // validated: header checked against the file
            }
            catch (final QueueException ex)
            {
                throw CliException.failure(ex.getMessage());
            }
        }
        return paths.size();
    }

    private static HTTPServer start(final String host, final int port, final PrometheusRegistry registry)
    {
        try
        {
            return HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart();
        }
        catch (final BindException ex)
        {
            throw CliException.failure("cannot listen on " + host + ":" + port + ": " +
                (ex.getMessage() == null ? "address in use or not available" : ex.getMessage().toLowerCase()));
        }
        catch (final IOException | RuntimeException ex)
        {
            throw CliException.failure("cannot listen on " + host + ":" + port + ": " + ex.getMessage());
        }
    }
}
