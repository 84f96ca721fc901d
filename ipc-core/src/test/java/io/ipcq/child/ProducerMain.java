package io.ipcq.child;

import io.ipcq.IpcQueue;
import io.ipcq.Producer;
import io.ipcq.SendResult;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Child JVM: sends messages 0..count-1 of one producer id on lane {@code id % lanes}, waiting for room when the
 * queue is full, then prints one line and exits 0. Exits {@link ChildJvm#EXIT_TIMED_OUT} if it could not send
 * everything within the time limit, {@link ChildJvm#EXIT_BROKEN} if the queue was sealed under it.
 * <p>
 * Arguments: {@code QUEUE_PATH PRODUCER_ID COUNT PARENT_PID [TIME_LIMIT_SECONDS]}.
 */
public final class ProducerMain
{
    private ProducerMain()
    {
    }

    public static void main(final String[] args)
    {
        final Path path = Path.of(args[0]);
        final int id = Integer.parseInt(args[1]);
        final long count = Long.parseLong(args[2]);
        ChildJvm.exitWhenParentDies(Long.parseLong(args[3]));
        final long limitNs = Duration.ofSeconds(args.length > 4 ? Long.parseLong(args[4]) : 150).toNanos();

        final long startNs = System.nanoTime();
        final UnsafeBuffer message = new UnsafeBuffer(new byte[Payloads.MAX_LENGTH]);
        long fullWaits = 0;
        try (IpcQueue queue = IpcQueue.open(path); Producer producer = queue.producer())
        {
            final int lane = id % queue.lanes();
            for (long sequence = 0; sequence < count; sequence++)
            {
                final int length = Payloads.write(message, id, sequence);
                SendResult result;
                while ((result = producer.send(lane, message, 0, length, Duration.ofSeconds(1))) == SendResult.FULL)
                {
                    fullWaits++;
                    if (System.nanoTime() - startNs > limitNs)
                    {
                        System.err.println("producer " + id + ": queue still full at message " + sequence +
                            " after the time limit");
                        System.exit(ChildJvm.EXIT_TIMED_OUT);
                    }
                }
                if (result != SendResult.OK)
                {
                    System.err.println("producer " + id + ": send of message " + sequence + " answered " + result);
                    System.exit(ChildJvm.EXIT_BROKEN);
                }
            }
        }
        System.out.printf("producer %d: sent %d on its lane in %d ms (%d waits of 1 s for room)%n",
            id, count, (System.nanoTime() - startNs) / 1_000_000, fullWaits);
    }
}
