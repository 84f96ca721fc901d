package io.ipcq;

import io.ipcq.layout.CounterIndex;
import io.ipcq.layout.LeaseState;
import io.ipcq.layout.ParticipantDescriptor;
import io.ipcq.layout.SlotDescriptor;
import io.ipcq.read.DecodedSlot;
import io.ipcq.read.HeaderFlyweight;
import io.ipcq.read.LaneFlyweight;
import io.ipcq.read.ParticipantFlyweight;
import io.ipcq.read.QueueLayout;
import io.ipcq.read.QueueView;
import io.ipcq.read.SlotFlyweight;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
        try (QueueView view = QueueView.open(path))
        {
            final HeaderFlyweight header = view.header();
            final QueueLayout layout = view.layout();
            final long now = System.currentTimeMillis();
            final QueueStats stats = QueueStats.read(view, now);
            out.append("stats: ").append(stats).append('\n');
            out.append("counters (header + rows):");
            for (int i = 0; i < CounterIndex.COUNTER_COUNT; i++)
            {
                out.append(' ').append(CounterIndex.name(i)).append('=').append(stats.counter(i));
            }
            out.append('\n');
            out.append("reaper owner=").append(header.reaperOwner())
                .append(" reaper heartbeat age ms=").append(now - header.reaperHeartbeatEpochMs())
                .append(" created epoch ms=").append(header.createdEpochMs())
                .append(" now since created=").append(now - header.createdEpochMs()).append('\n');
            for (int ring = 0; ring < layout.ringCount(); ring++)
            {
                final LaneFlyweight lane = view.lane(ring);
                final long tail = lane.tail();
                out.append(layout.isDeadLetterRing(ring) ? "dead-letter ring" : "lane " + ring)
                    .append(": tail=").append(lane.tailWord())
                    .append(" cursor=").append(lane.leaseCursor())
                    .append(" head=").append(lane.headHint())
                    .append(" requeueCount=").append(lane.requeueCount())
                    .append(" fullEpoch=").append(lane.fullEpoch())
                    .append('\n');
                for (int i = 0; i < layout.capacity(ring); i++)
                {
                    final DecodedSlot decoded = view.decode(ring, i, tail);
                    final SlotFlyweight slot = view.slot(ring, i);
                    final long deadline = slot.deadlineWord();
                    final int length = slot.payloadLength();
                    out.append("  slot ").append(i)
                        .append(" seq=").append(slot.sequence())
                        .append(" position=").append(slot.position())
                        .append(' ').append(LeaseState.toString(slot.leaseStateWord()))
                        .append(" holds=").append(decoded)
                        .append(" deadline=tag ").append(SlotDescriptor.deadlineTag(deadline)).append(" at ")
                        .append(SlotDescriptor.deadlineSinceCreated(deadline))
                        .append(" id=").append(Long.toHexString(slot.messageId()))
                        .append(" deliveries=").append(slot.deliveryCount())
                        .append(" length=").append(length);
                    if (length == Long.BYTES)
                    {
                        final byte[] payload = new byte[Long.BYTES];
                        slot.payloadBytes(payload);
                        out.append(" payload seq=").append(
                            ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).getLong());
                    }
                    out.append('\n');
                }
            }
            for (int index = 0; index < layout.geometry().participantCapacity(); index++)
            {
                final ParticipantFlyweight row = view.participant(index);
                final int state = row.rowState();
                if (state == ParticipantDescriptor.ROW_FREE)
                {
                    continue;
                }
                out.append("participant ").append(index).append(" (holder ").append(index + 1).append("): ")
                    .append(ParticipantDescriptor.rowStateName(state)).append(' ')
                    .append(ParticipantDescriptor.roleName(row.role()))
                    .append(" pid=").append(row.pid())
                    .append(" heartbeat age ms=").append(now - row.heartbeatEpochMs())
                    .append(" leases=").append(row.leasesHeld())
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
