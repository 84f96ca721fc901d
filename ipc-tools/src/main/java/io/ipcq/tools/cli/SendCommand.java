package io.ipcq.tools.cli;

import io.ipcq.IpcQueue;
import io.ipcq.Producer;
import io.ipcq.SendResult;
import io.ipcq.tools.common.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

@Command(
    name = "send",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    header = "Send messages (UTF-8): each MESSAGE, or with none, one message per line of stdin.",
    description = {
        "Prints nothing. A full lane fails at once (exit 1, FULL) unless --timeout gives it time to make room.",
        "Put -- before a MESSAGE that starts with '-'." })
final class SendCommand extends Verb
{
    /** Waits for room are cut into steps this long, so Ctrl-C is noticed. */
    private static final Duration STEP = Duration.ofMillis(100);

    @Parameters(index = "0", paramLabel = "PATH", description = "The queue file.")
    Path path;

    @Parameters(index = "1..*", paramLabel = "MESSAGE", arity = "0..*", description = "Messages to send.")
    List<String> messages;

    @Option(names = "--lane", paramLabel = "L", defaultValue = "0", description = "Lane to send on (default: 0).")
    int lane;

    @Option(names = "--timeout", paramLabel = "D", converter = Durations.class,
        description = "Wait up to D for room in a full lane (per message); without it, FULL fails at once.")
    Duration timeout;

    private int sent;

    @Override
    public Integer call()
    {
        try (IpcQueue queue = IpcQueue.open(path))
        {
            // Every check that can refuse comes before the producer attaches: a refused send changes no byte.
            checkLane(queue, path, lane);
            checkNotSealed(queue);
            if (messages != null && !messages.isEmpty())
            {
                sendArguments(queue);
            }
            else
            {
                sendLines(queue);
            }
        }
        return 0;
    }

    private void sendArguments(final IpcQueue queue)
    {
        final List<byte[]> encoded = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++)
        {
            final byte[] bytes = messages.get(i).getBytes(StandardCharsets.UTF_8);
            if (bytes.length > queue.maxPayloadLength())
            {
                throw CliException.failure((messages.size() == 1 ? "the message" :
                    "message " + (i + 1) + " of " + messages.size()) + " is " + bytes.length + " bytes: " + path +
                    " takes at most " + queue.maxPayloadLength() + " (nothing sent)");
            }
            encoded.add(bytes);
        }
        try (Producer producer = queue.producer())
        {
            for (final byte[] bytes : encoded)
            {
                send(queue, producer, bytes, " (" + sent + " of " + encoded.size() + " sent)");
            }
        }
    }

    private void sendLines(final IpcQueue queue)
    {
        final BufferedReader reader = new BufferedReader(new InputStreamReader(top.in, StandardCharsets.UTF_8));
        Producer producer = null;
        try
        {
            long lineNumber = 0;
            String line;
            while ((line = reader.readLine()) != null)
            {
                lineNumber++;
                final byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
                if (bytes.length > queue.maxPayloadLength())
                {
                    throw CliException.failure("line " + lineNumber + " of stdin is " + bytes.length + " bytes: " +
                        path + " takes at most " + queue.maxPayloadLength() + " (" + linesSent() + " before it)");
                }
                if (producer == null)
                {
                    producer = queue.producer();
                }
                send(queue, producer, bytes, " (line " + lineNumber + " of stdin; " + linesSent() + " before it)");
                if (stopper().stopping())
                {
                    throw CliException.failure("interrupted after " + linesSent());
                }
            }
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("reading stdin after " + linesSent() + ": " + ex.getMessage(), ex);
        }
        finally
        {
            if (producer != null)
            {
                producer.close();
            }
        }
    }

    private void send(final IpcQueue queue, final Producer producer, final byte[] bytes, final String progress)
    {
        SendResult result = producer.trySend(lane, bytes);
        if (result == SendResult.FULL && timeout != null)
        {
            final long deadline = System.nanoTime() + timeout.toNanos();
            while (result == SendResult.FULL)
            {
                final long left = deadline - System.nanoTime();
                if (left <= 0)
                {
                    break;
                }
                if (stopper().stopping())
                {
                    throw CliException.failure("interrupted while waiting for room in lane " + lane + progress);
                }
                result = producer.send(lane, bytes, Duration.ofNanos(Math.min(left, STEP.toNanos())));
            }
        }
        switch (result)
        {
            case OK:
                sent++;
                return;
            case FULL:
                throw CliException.failure("FULL: lane " + lane + " of " + path + " holds " + queue.capacity() +
                    " messages not yet acked" + (timeout == null ? ", and no --timeout was given to wait for room" :
                    " and had no room within " + Durations.format(timeout)) + progress);
            default:
                throw CliException.failure("SEALED: " + path + " was sealed: it takes no more messages" + progress);
        }
    }

    private String linesSent()
    {
        return sent + (sent == 1 ? " line sent" : " lines sent");
    }

    private void checkNotSealed(final IpcQueue queue)
    {
        if (queue.isSealed())
        {
            throw CliException.failure("SEALED: " + path + " is sealed: it takes no more messages (nothing sent)");
        }
    }
}
