package io.ipcq.tools.demo;

import io.ipcq.Consumer;
import io.ipcq.IpcQueue;
import io.ipcq.Lease;
import io.ipcq.ReceiveStatus;
import io.ipcq.tools.common.ChildProcesses;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.locks.LockSupport;

/**
 * Demo child: works through messages at a set rate, always holding up to WINDOW leases (it acks the oldest when
 * the window is full or nothing else is ready), records every step in its {@link AckLog}, and exits 0 at end of
 * stream.
 * <p>
 * Arguments: {@code QUEUE_PATH ACK_LOG MESSAGES DRIVER_PID WINDOW RATE TIME_LIMIT_SECONDS}; RATE is acks per second,
 * 0 for as fast as it can.
 */
public final class DemoConsumer
{
    private DemoConsumer()
    {
    }

    public static void main(final String[] args)
    {
        final Path path = Path.of(args[0]);
        final Path logPath = Path.of(args[1]);
        final int messages = Integer.parseInt(args[2]);
        ChildProcesses.exitWhenParentDies(Long.parseLong(args[3]));
        final int window = Integer.parseInt(args[4]);
        final int rate = Integer.parseInt(args[5]);
        final long limitNs = Duration.ofSeconds(Long.parseLong(args[6])).toNanos();

        final long startNs = System.nanoTime();
        final long nsPerAck = rate > 0 ? 1_000_000_000L / rate : 0;
        long acks = 0;
        try (AckLog log = AckLog.open(logPath, messages);
             IpcQueue queue = IpcQueue.open(path);
             Consumer consumer = queue.consumer(window))
        {
            final ArrayDeque<Lease> held = new ArrayDeque<>(window);
            final ArrayDeque<Long> heldSequences = new ArrayDeque<>(window);
            while (true)
            {
                if (System.nanoTime() - startNs > limitNs)
                {
                    System.err.println("consumer: no end of stream by the time limit");
                    System.exit(ChildProcesses.EXIT_TIMED_OUT);
                }
                Lease lease = held.size() < window ? consumer.tryLease() : null;
                if (lease == null)
                {
                    if (!held.isEmpty())
                    {
                        // The work: a message takes 1/rate s; then it is acked.
                        acks++;
                        final long dueNs = startNs + acks * nsPerAck;
                        final long waitNs = dueNs - System.nanoTime();
                        if (waitNs > 0)
                        {
                            LockSupport.parkNanos(waitNs);
                        }
                        final long sequence = heldSequences.poll();
                        final Lease oldest = held.poll();
                        log.acking(sequence);
                        log.acked(sequence, oldest.ack());
                        continue;
                    }
                    lease = consumer.lease(Duration.ofMillis(200));
                    if (lease == null)
                    {
                        if (consumer.status() == ReceiveStatus.END_OF_STREAM)
                        {
                            break;
                        }
                        continue;
                    }
                }
                final long sequence = DemoMessages.read(lease.payload(), lease.length());
                if (!log.leased(sequence, lease.deliveryCount()))
                {
                    System.err.println("consumer: " + lease + " fails its check; acked to keep the queue moving");
                    lease.ack();
                    continue;
                }
                held.add(lease);
                heldSequences.add(sequence);
            }
            System.out.printf("consumer: acked %d (%d were redeliveries), end of stream after %d ms%n",
                log.ackedCount(), log.redelivered(), (System.nanoTime() - startNs) / 1_000_000);
        }
    }
}
