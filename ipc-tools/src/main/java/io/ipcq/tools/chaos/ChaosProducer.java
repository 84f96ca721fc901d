package io.ipcq.tools.chaos;

import io.ipcq.IpcQueue;
import io.ipcq.ParticipantEvictedException;
import io.ipcq.Producer;
import io.ipcq.SendResult;
import io.ipcq.tools.common.ChildProcesses;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;

/**
 * Soak child: sends its incarnation's messages 0, 1, 2... at a steady rate, each on the lane its key picks, and logs
 * each one in its {@link SendLog} only after {@code trySend} answered OK. On FULL it retries the same message
 * shortly; if the reaper declared it dead (it was paused past the heartbeat timeout) it closes the evicted handle and
 * attaches a new one; on SEALED it exits 0.
 * <p>
 * Arguments: {@code QUEUE_PATH SEND_LOG INCARNATION DRIVER_PID RATE TIME_LIMIT_SECONDS}; RATE in messages per
 * second.
 */
public final class ChaosProducer
{
    private static final long FULL_BACKOFF_NS = 1_000_000L;
    private static final long MAX_LAG_NS = 100_000_000L;

    private ChaosProducer()
    {
    }

    public static void main(final String[] args)
    {
        final Path path = Path.of(args[0]);
        final Path logPath = Path.of(args[1]);
        final int incarnation = Integer.parseInt(args[2]);
        ChildProcesses.exitWhenParentDies(Long.parseLong(args[3]));
        final int rate = Integer.parseInt(args[4]);
        final long limitNs = Duration.ofSeconds(Long.parseLong(args[5])).toNanos();

        final long startNs = System.nanoTime();
        final long nsPerMessage = 1_000_000_000L / Math.max(1, rate);
        final UnsafeBuffer message = new UnsafeBuffer(new byte[ChaosMessages.MAX_LENGTH]);
        final byte[] scratch = new byte[ChaosMessages.MAX_LENGTH];
        final CRC32 crc = new CRC32();
        long sequence = 0;
        long evictions = 0;
        try (SendLog log = SendLog.open(logPath); IpcQueue queue = IpcQueue.open(path))
        {
            final int lanes = queue.lanes();
            Producer producer = queue.producer();
            long dueNs = System.nanoTime();
            while (true)
            {
                final long nowNs = System.nanoTime();
                if (nowNs - startNs > limitNs)
                {
                    System.err.println("producer " + incarnation + ": not sealed by the time limit");
                    System.exit(ChildProcesses.EXIT_TIMED_OUT);
                }
                if (dueNs - nowNs > 0)
                {
                    LockSupport.parkNanos(dueNs - nowNs);
                    continue;
                }
                if (nowNs - dueNs > MAX_LAG_NS)
                {
                    dueNs = nowNs; // after a pause: carry on at the rate, no burst
                }
                final long key = ChaosMessages.key(incarnation, sequence);
                final int length = ChaosMessages.write(message, key, crc, scratch);
                final SendResult result;
                try
                {
                    result = producer.trySend(ChaosMessages.lane(key, lanes), message, 0, length);
                }
                catch (final ParticipantEvictedException ex)
                {
                    // Paused past the heartbeat timeout: declared dead. Nothing was sent by this call.
                    evictions++;
                    log.evicted();
                    producer.close();
                    producer = queue.producer();
                    continue;
                }
                if (result == SendResult.OK)
                {
                    sequence++;
                    log.logged(sequence);
                    dueNs += nsPerMessage;
                }
                else if (result == SendResult.FULL)
                {
                    log.full();
                    LockSupport.parkNanos(FULL_BACKOFF_NS);
                }
                else
                {
                    log.sealed();
                    break;
                }
            }
            producer.close();
        }
        System.out.printf("producer %d: sent %d, evicted %d times, sealed after %d ms%n",
            incarnation, sequence, evictions, (System.nanoTime() - startNs) / 1_000_000);
    }
}
