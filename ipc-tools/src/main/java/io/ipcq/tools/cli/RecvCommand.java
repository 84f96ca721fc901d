package io.ipcq.tools.cli;

import io.ipcq.Consumer;
import io.ipcq.CorruptQueueException;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.ReceiveStatus;
import io.ipcq.read.MessageIds;
import io.ipcq.tools.common.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

@Command(
    name = "recv",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Lease up to --count messages, print each, and ack it.",
    description = {
        "Messages are printed as they arrive. Without --no-ack and --hold each one is acked as soon as it is " +
            "printed. With --no-ack or --hold the leases are kept until the last message has come (or " +
            "--timeout, or the end of the stream), then held D more, then acked (or released with --no-ack).",
        "Stops at the end of the stream (a sealed, drained queue). Ctrl-C releases every lease still held.",
        "Exit 0 also when fewer than --count messages came before --timeout or the end of the stream; exit 1 if " +
            "a lease was taken away (it expired) before its ack: that message will be delivered again." })
final class RecvCommand extends Verb
{
    /**
     * Waits are cut into steps this long, so Ctrl-C is noticed (well within the stopper's 2 s grace). Each step is a
     * return from the kernel: an idle recv wakes twice a second, not ten times (issue 13).
     */
    private static final Duration STEP = Duration.ofMillis(500);

    enum Format
    {
        text, hex, json
    }

    @Parameters(index = "0", paramLabel = "PATH", description = "The queue file.")
    Path path;

    @Option(names = "--count", paramLabel = "N", defaultValue = "1",
        description = "Messages to receive (default: 1).")
    long count;

    @Option(names = "--timeout", paramLabel = "D", converter = Durations.class,
        description = "Stop once no message has arrived for D; without it, wait until --count messages came.")
    Duration timeout;

    @Option(names = "--no-ack", description = "Release the leases instead of acking: the messages stay queued.")
    boolean noAck;

    @Option(names = "--hold", paramLabel = "D", converter = Durations.class,
        description = "Keep the leases D before acking (or releasing): a slow or dying consumer.")
    Duration hold;

    @Option(names = "--dead-letters", description = "Read the dead-letter ring instead of the lanes (an ack " +
        "removes the dead letter; a release leaves it there).")
    boolean deadLetters;

    @Option(names = "--format", paramLabel = "F", defaultValue = "text",
        description = "text (payload on one line, newlines as \\n), hex (a header line and a hex/ASCII dump), " +
            "json (one object per line: id, lane, deliveries, length, encoding, payload). Default: text.")
    Format format;

    private int fenced;

    @Override
    public Integer call()
    {
        if (count < 1)
        {
            throw CliException.usage("--count " + count + " is out of range: it must be at least 1");
        }
        final boolean keep = noAck || hold != null;
        try (IpcQueue queue = IpcQueue.open(path))
        {
            // A consumer cannot hold more leases than the queue has slots.
            final int maxHeld = keep ? (int)Math.min(count, (long)queue.lanes() * queue.capacity()) : 1;
            try (Consumer consumer = deadLetters ? queue.deadLetterConsumer(maxHeld) : queue.consumer(maxHeld))
            {
                final List<Lease> held = new ArrayList<>();
                long received = 0;
                while (received < count && held.size() < maxHeld)
                {
                    final Lease lease = next(consumer);
                    if (lease == null)
                    {
                        break;
                    }
                    received++;
                    print(lease);
                    if (keep)
                    {
                        held.add(lease);
                    }
                    else if (!lease.ack())
                    {
                        fenced++;
                    }
                }
                if (stopper().stopping())
                {
                    throw CliException.failure("interrupted after " + received + " messages; leases still held " +
                        "were released");
                }
                if (hold != null && !held.isEmpty() && !holdExtending(queue, held))
                {
                    throw CliException.failure("interrupted while holding " + held.size() + " leases: released");
                }
                for (final Lease lease : held)
                {
                    if (!lease.isActive())
                    {
                        continue;
                    }
                    if (!(noAck ? lease.release() : lease.ack()))
                    {
                        fenced++;
                    }
                }
                if (fenced > 0)
                {
                    throw CliException.failure(fenced + " of " + received + " leases were taken away before the " +
                        (noAck ? "release" : "ack") + " (lease timeout " +
                        Durations.format(queue.leaseTimeout()) + " passed?): " +
                        (fenced == 1 ? "that message" : "those messages") + " will be delivered again");
                }
            }
        }
        return 0;
    }

    /**
     * Holds the leases for --hold, extending them by the lease timeout every third of it, so a hold longer than
     * the lease timeout keeps its leases (a consumer that is slow, not dead). A lease taken away meanwhile counts
     * as fenced and is closed.
     *
     * @return false if interrupted (Ctrl-C).
     */
    private boolean holdExtending(final IpcQueue queue, final List<Lease> held)
    {
        final Duration leaseTimeout = queue.leaseTimeout();
        final long stepMs = Math.max(1, leaseTimeout.toMillis() / 3);
        final long deadline = System.nanoTime() + hold.toNanos();
        extendAll(held, leaseTimeout);
        while (true)
        {
            final long leftMs = (deadline - System.nanoTime()) / 1_000_000L;
            if (leftMs <= 0)
            {
                return true;
            }
            if (!stopper().sleep(Math.min(stepMs, leftMs)))
            {
                return false;
            }
            if (deadline - System.nanoTime() > 0)
            {
                extendAll(held, leaseTimeout);
            }
        }
    }

    private void extendAll(final List<Lease> held, final Duration leaseTimeout)
    {
        for (final Lease lease : held)
        {
            if (lease.isActive() && !lease.extend(leaseTimeout))
            {
                fenced++;
                lease.close();
            }
        }
    }

    /**
     * @return the next lease, or null after --timeout without a message, at the end of the stream, or on Ctrl-C.
     */
    private Lease next(final Consumer consumer)
    {
        final long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        while (!stopper().stopping())
        {
            final long left = timeout == null ? STEP.toNanos() : deadline - System.nanoTime();
            final Lease lease = left <= 0 ? consumer.tryLease() :
                consumer.lease(Duration.ofNanos(Math.min(left, STEP.toNanos())));
            if (lease != null)
            {
                return lease;
            }
            if (consumer.status() == ReceiveStatus.END_OF_STREAM || left <= 0)
            {
                return null;
            }
        }
        return null;
    }

    private void print(final Lease lease)
    {
        final int length;
        final byte[] payload;
        try
        {
            length = lease.length();
            payload = new byte[length];
            lease.payload().getBytes(0, payload, 0, length);
        }
        catch (final CorruptQueueException ex)
        {
            lease.release();
            throw ex;
        }
        switch (format)
        {
            case hex:
                out().println("# id=" + MessageIds.text(lease.id()) + " lane=" + lease.lane() + " deliveries=" + lease.deliveryCount() +
                    " length=" + length);
                out().println(Hex.dump(payload));
                break;
            case json:
                final String text = Hex.utf8OrNull(payload);
                out().println(JsonLines.line(JsonLines.object()
                    .put("id", lease.id())
                    .put("lane", lease.lane())
                    .put("deliveries", lease.deliveryCount())
                    .put("length", length)
                    .put("encoding", text == null ? "base64" : "utf-8")
                    .put("payload", text == null ? Base64.getEncoder().encodeToString(payload) : text)));
                break;
            default:
                out().println(new String(payload, java.nio.charset.StandardCharsets.UTF_8)
                    .replace("\r", "\\r").replace("\n", "\\n"));
                break;
        }
        try
        {
            flushOrFail("message " + MessageIds.text(lease.id()) + " released for redelivery");
        }
        catch (final CliException ex)
        {
            lease.release();
            throw ex;
        }
    }
}
