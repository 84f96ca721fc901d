package io.ipcq.wait;

import io.ipcq.layout.LaneDescriptor;
import io.ipcq.layout.ParticipantDescriptor;
import org.agrona.concurrent.AtomicBuffer;

import static io.ipcq.wait.WaitDescriptor.*;

/**
 * The queue-wide side of the wake-up protocol: finds the registered sleepers of a lane in the participant table and
 * wakes them (protocol #W3), wakes every sleeper at seal (#W4), and undoes a dead sleeper's registration for the
 * reaper (#W5). Stateless over the mapping: any number of threads may use one.
 */
public final class WaitRegistry
{
    private final AtomicBuffer buffer;
    private final int tableOffset;
    private final int capacity;
    private final long baseAddress;

    /**
     * @param buffer      over the whole file.
     * @param tableOffset offset of the participant table.
     * @param capacity    rows in it.
     */
    public WaitRegistry(final AtomicBuffer buffer, final long tableOffset, final int capacity)
    {
        this.buffer = buffer;
        this.tableOffset = Math.toIntExact(tableOffset);
        this.capacity = capacity;
        this.baseAddress = buffer.addressOffset();
    }

    AtomicBuffer buffer()
    {
        return buffer;
    }

    long baseAddress()
    {
        return baseAddress;
    }

    /**
     * @param row participant index.
     * @return offset of that row.
     */
    int rowOffset(final int row)
    {
        return tableOffset + row * ParticipantDescriptor.PARTICIPANT_LENGTH;
    }

    /**
     * Protocol #W3: wakes every sleeper registered on lane {@code lane}, on one side. Called by a producer after its
     * commit (or a freer after its free) found the lane's count of sleepers non-zero.
     *
     * @param lane the lane index.
     * @param room true to wake producers waiting for room, false for consumers waiting for a message.
     */
    public void wake(final int lane, final boolean room)
    {
        final int laneBit = 1 << lane;
        // Read after the count (so after the commit's CAS): a sleeper raised it before its count, see #W1.
        final int knownRows = sleeperRows(lane, room);
        final int rows = knownRows <= 0 || knownRows > capacity ? capacity : knownRows;
        for (int row = 0; row < rows; row++)
        {
            final int rowOffset = rowOffset(row);
            final int registration = buffer.getIntVolatile(rowOffset + REGISTRATION_OFFSET);
            if ((registration & laneBit) != 0 && ((registration & SIDE_ROOM_BIT) != 0) == room)
            {
                wakeRow(rowOffset, registration);
            }
        }
    }

    /**
     * Protocol #W4: wakes every registered sleeper (seal: producers answer SEALED, consumers END_OF_STREAM).
     */
    public void wakeAll()
    {
        for (int row = 0; row < capacity; row++)
        {
            final int rowOffset = rowOffset(row);
            final int registration = buffer.getIntVolatile(rowOffset + REGISTRATION_OFFSET);
            if (registration != 0)
            {
                wakeRow(rowOffset, registration);
            }
        }
    }

    private void wakeRow(final int rowOffset, final int registration)
    {
        final int wakeWord = rowOffset + WAKE_WORD_OFFSET;
        if ((registration & KIND_SOCKET_BIT) != 0)
        {
            final int port = buffer.getIntVolatile(wakeWord);
            if (port > 0 && port < 65536)
            {
                WaitStats.wakeCall();
                WakeSocket.send(port);
            }
            return;
        }
        // The sleeper read this word before its recheck: moved on, its futex wait returns at once if not yet asleep.
        buffer.getAndAddInt(wakeWord, 1);
        if (Futex.isAvailable())
        {
            WaitStats.wakeCall();
            Futex.wake(baseAddress + wakeWord, Integer.MAX_VALUE);
        }
        else
        {
            WaitStats.unwakeableSleeper();
        }
    }

    /**
     * Protocol #W5, for the reaper: undoes the registration of a participant declared dead, so producers stop
     * waking it and the lanes' counts come back to the sleepers really there. A CAS, so it happens once even if the
     * participant was only paused and undoes its own registration when it resumes.
     *
     * @param row participant index of a row declared dead.
     * @return true if a registration was undone.
     */
    public boolean undoDeadRegistration(final int row)
    {
        final int rowOffset = rowOffset(row);
        final int registration = buffer.getIntVolatile(rowOffset + REGISTRATION_OFFSET);
        if (registration == 0 || !buffer.compareAndSetInt(rowOffset + REGISTRATION_OFFSET, registration, 0))
        {
            return false;
        }
        addToCounts(registration, -1);
        return true;
    }

    /**
     * Protocol #W1, first step: raises the bound on the sleepers' rows of every lane in the registration, on its
     * side, to {@code row + 1} (never lowers it: a crash or a later detach leaves it high, which only lengthens
     * the scan).
     */
    void raiseSleeperRows(final int registration, final int row)
    {
        final boolean room = (registration & SIDE_ROOM_BIT) != 0;
        int lanes = registration & LANES_MASK;
        while (lanes != 0)
        {
            final int lane = Integer.numberOfTrailingZeros(lanes);
            lanes &= lanes - 1;
            final int offset = sleeperRowsOffset(LaneDescriptor.laneDescriptorOffset(lane), room);
            int rows;
            while ((rows = buffer.getIntVolatile(offset)) <= row && !buffer.compareAndSetInt(offset, rows, row + 1))
            {
                // another sleeper raised it meanwhile: look again
            }
        }
    }

    /**
     * Adds {@code delta} to the count of sleepers of every lane in the registration, on its side.
     */
    void addToCounts(final int registration, final int delta)
    {
        final boolean room = (registration & SIDE_ROOM_BIT) != 0;
        int lanes = registration & LANES_MASK;
        while (lanes != 0)
        {
            final int lane = Integer.numberOfTrailingZeros(lanes);
            lanes &= lanes - 1;
            buffer.getAndAddInt(sleepersOffset(LaneDescriptor.laneDescriptorOffset(lane), room), delta);
        }
    }

    /**
     * @param lane lane index.
     * @param room which side.
     * @return rows whose registration names this lane and side now (a scan; for tests and tools).
     */
    public int registeredRows(final int lane, final boolean room)
    {
        int rows = 0;
        for (int row = 0; row < capacity; row++)
        {
            final int registration = buffer.getIntVolatile(rowOffset(row) + REGISTRATION_OFFSET);
            if ((registration & (1 << lane)) != 0 && ((registration & SIDE_ROOM_BIT) != 0) == room)
            {
                rows++;
            }
        }
        return rows;
    }

    /**
     * @param lane lane index.
     * @param room which side.
     * @return one more than the highest row that ever registered on this lane and side (the rows a waker scans),
     * 0 if none did.
     */
    public int sleeperRows(final int lane, final boolean room)
    {
        return buffer.getIntVolatile(sleeperRowsOffset(LaneDescriptor.laneDescriptorOffset(lane), room));
    }

    /**
     * @param lane lane index.
     * @param room which side.
     * @return the lane's count of registered sleepers on that side.
     */
    public int sleepers(final int lane, final boolean room)
    {
        return buffer.getIntVolatile(sleepersOffset(LaneDescriptor.laneDescriptorOffset(lane), room));
    }
}
