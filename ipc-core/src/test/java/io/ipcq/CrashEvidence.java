package io.ipcq;

import io.ipcq.internal.ParticipantTable;
import io.ipcq.internal.QueueFile;
import io.ipcq.layout.CounterIndex;
import io.ipcq.layout.LaneDescriptor;
import io.ipcq.layout.LeaseState;
import io.ipcq.layout.ParticipantDescriptor;
import io.ipcq.layout.QueueDescriptor;
import io.ipcq.layout.SlotDescriptor;
import org.agrona.concurrent.AtomicBuffer;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * What a failed crash test leaves behind for study: a copy of the queue file and a text dump of every word that
 * matters (header, lanes, slots, participants, stats), in {@code ipc-core/target/crash-evidence/<test>/}.
 */
final class CrashEvidence
{
    private CrashEvidence()
    {
    }

    static Path directory(final String test)
    {
        final String basedir = System.getProperty("basedir", System.getProperty("user.dir"));
        return Path.of(basedir, "target", "crash-evidence", test.replaceAll("[^A-Za-z0-9_.-]", "_"));
    }

    /**
     * Copies the queue file and writes the dumps. Never throws: evidence is best effort, the failure is what counts.
     *
     * @param test    a name for the directory.
     * @param path    the queue file (may be gone already).
     * @param child   the child JVM, or null.
     * @param failure what failed.
     * @return the directory written.
     */
    static Path save(final String test, final Path path, final ChildJvm child, final Throwable failure)
    {
        final Path dir = directory(test);
        try
        {
            Files.createDirectories(dir);
            if (path != null && Files.exists(path))
            {
                Files.copy(path, dir.resolve("queue.ipcq"), StandardCopyOption.REPLACE_EXISTING);
                Files.writeString(dir.resolve("stats.txt"), dump(path), StandardCharsets.UTF_8);
            }
            if (child != null)
            {
                Files.writeString(dir.resolve("child.log"), child.log(), StandardCharsets.UTF_8);
            }
            final StringWriter trace = new StringWriter();
            failure.printStackTrace(new PrintWriter(trace));
            Files.writeString(dir.resolve("failure.txt"), trace.toString(), StandardCharsets.UTF_8);
        }
        catch (final IOException | RuntimeException ex)
        {
            System.err.println("could not save crash evidence in " + dir + ": " + ex);
        }
        return dir;
    }

    /**
     * @param path a queue file.
     * @return its stats and every word of its header, lanes, live slots and rows, read through a read-only mapping.
     */
    static String dump(final Path path)
    {
        final StringBuilder out = new StringBuilder();
        try (QueueFile file = QueueFile.open(path, true))
        {
            final AtomicBuffer buffer = file.buffer();
            final QueueDescriptor.Geometry geometry = file.geometry();
            final ParticipantTable participants = new ParticipantTable(buffer, geometry.participantTableOffset(),
                geometry.participantCapacity());
            final QueueStats stats = QueueStats.read(file, participants, System.currentTimeMillis());
            out.append("stats: ").append(stats).append('\n');
            out.append("counters (header + rows):");
            for (int i = 0; i < CounterIndex.COUNTER_COUNT; i++)
            {
                out.append(' ').append(CounterIndex.name(i)).append('=').append(stats.counter(i));
            }
            out.append('\n');
            out.append("reaper owner=").append(buffer.getLongVolatile(QueueDescriptor.REAPER_OWNER_OFFSET))
                .append(" reaper heartbeat age ms=")
                .append(System.currentTimeMillis() - buffer.getLongVolatile(QueueDescriptor.REAPER_HEARTBEAT_OFFSET))
                .append(" created epoch ms=").append(file.createdEpochMs())
                .append(" now since created=").append(System.currentTimeMillis() - file.createdEpochMs()).append('\n');
            for (int lane = 0; lane <= geometry.lanes(); lane++)
            {
                final int capacity = lane < geometry.lanes() ? geometry.laneCapacity() : geometry.deadLetterCapacity();
                final long ring = lane < geometry.lanes() ? geometry.ringOffset(lane) : geometry.deadLetterRingOffset();
                final int entry = LaneDescriptor.laneDescriptorOffset(lane);
                out.append(lane < geometry.lanes() ? "lane " + lane : "dead-letter ring")
                    .append(": tail=").append(buffer.getLongVolatile(entry + LaneDescriptor.TAIL_OFFSET))
                    .append(" cursor=").append(buffer.getLongVolatile(entry + LaneDescriptor.LEASE_CURSOR_OFFSET))
                    .append(" head=").append(buffer.getLongVolatile(entry + LaneDescriptor.HEAD_OFFSET))
                    .append(" requeueCount=").append(buffer.getLongVolatile(entry + LaneDescriptor.REQUEUE_COUNT_OFFSET))
                    .append('\n');
                for (int i = 0; i < capacity; i++)
                {
                    final int slot = (int)(ring + (long)i * geometry.slotLength());
                    final long word = buffer.getLongVolatile(slot + SlotDescriptor.LEASE_STATE_OFFSET);
                    final long deadline = buffer.getLongVolatile(slot + SlotDescriptor.DEADLINE_OFFSET);
                    final int length = buffer.getInt(slot + SlotDescriptor.PAYLOAD_LENGTH_OFFSET);
                    out.append("  slot ").append(i)
                        .append(" seq=").append(buffer.getLongVolatile(slot + SlotDescriptor.SEQUENCE_OFFSET))
                        .append(' ').append(LeaseState.toString(word))
                        .append(" deadline=tag ").append(SlotDescriptor.deadlineTag(deadline)).append(" at ")
                        .append(SlotDescriptor.deadlineSinceCreated(deadline))
                        .append(" id=").append(Long.toHexString(buffer.getLong(slot + SlotDescriptor.MESSAGE_ID_OFFSET)))
                        .append(" deliveries=").append(buffer.getInt(slot + SlotDescriptor.DELIVERY_COUNT_OFFSET))
                        .append(" length=").append(length);
                    if (length == Long.BYTES)
                    {
                        out.append(" payload seq=").append(buffer.getLong(slot + SlotDescriptor.PAYLOAD_OFFSET));
                    }
                    out.append('\n');
                }
            }
            for (int index = 0; index < geometry.participantCapacity(); index++)
            {
                final int row = participants.rowOffset(index);
                final int state = buffer.getIntVolatile(row + ParticipantDescriptor.ROW_STATE_OFFSET);
                if (state == ParticipantDescriptor.ROW_FREE)
                {
                    continue;
                }
                out.append("participant ").append(index).append(" (holder ").append(index + 1).append("): ")
                    .append(ParticipantDescriptor.rowStateName(state)).append(' ')
                    .append(ParticipantDescriptor.roleName(buffer.getInt(row + ParticipantDescriptor.ROLE_OFFSET)))
                    .append(" pid=").append(buffer.getLong(row + ParticipantDescriptor.PID_OFFSET))
                    .append(" heartbeat age ms=").append(System.currentTimeMillis() -
                        buffer.getLongVolatile(row + ParticipantDescriptor.HEARTBEAT_EPOCH_MS_OFFSET))
                    .append(" leases=").append(buffer.getLongVolatile(row + ParticipantDescriptor.LEASES_HELD_OFFSET))
                    .append('\n');
            }
        }
        catch (final RuntimeException ex)
        {
            out.append("cannot dump ").append(path).append(": ").append(ex).append('\n');
        }
        return out.toString();
    }
}
