package io.ipcq.tools.demo;

import io.ipcq.IpcQueue;
import io.ipcq.Producer;
import io.ipcq.SendResult;
import io.ipcq.tools.common.ChildProcesses;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Demo child: sends messages 0..N-1, waiting for room whenever the queue is full, then exits 0.
 * <p>
 * Arguments: {@code QUEUE_PATH MESSAGES DRIVER_PID TIME_LIMIT_SECONDS}.
 */
public final class DemoProducer
{
    private DemoProducer()
    {
    }

    public static void main(final String[] args)
    {
        final Path path = Path.of(args[0]);
        final int messages = Integer.parseInt(args[1]);
        ChildProcesses.exitWhenParentDies(Long.parseLong(args[2]));
        final long limitNs = Duration.ofSeconds(Long.parseLong(args[3])).toNanos();

        final long startNs = System.nanoTime();
        final UnsafeBuffer message = new UnsafeBuffer(new byte[DemoMessages.LENGTH]);
        long waits = 0;
        try (IpcQueue queue = IpcQueue.open(path); Producer producer = queue.producer())
        {
            for (long sequence = 0; sequence < messages; sequence++)
            {
                final int length = DemoMessages.write(message, sequence);
                SendResult result;
                while ((result = producer.send(0, message, 0, length, Duration.ofMillis(500))) == SendResult.FULL)
                {
                    waits++;
                    if (System.nanoTime() - startNs > limitNs)
                    {
                        System.err.println("producer: queue still full at message " + sequence + " at the time limit");
                        System.exit(ChildProcesses.EXIT_TIMED_OUT);
                    }
                }
                if (result != SendResult.OK)
                {
                    System.err.println("producer: message " + sequence + " answered " + result);
                    System.exit(ChildProcesses.EXIT_BROKEN);
                }
            }
        }
        System.out.printf("producer: sent %d in %d ms; waited for room %d times%n",
            messages, (System.nanoTime() - startNs) / 1_000_000, waits);
    }
}
