package io.ipcq;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.PointerBytesStore;

/**
 * A Chronicle {@link Bytes} view over one slot's payload in the mapped file: zero copy, and re-pointed at each new
 * claim or lease without allocating (one {@link PointerBytesStore} and its one {@code Bytes}, made on first use).
 * <p>
 * Only {@link Claim#bytes()} and {@link Lease#bytes()} create one, so a program that never calls them never loads
 * Chronicle Bytes (an optional dependency of ipc-core: add {@code net.openhft:chronicle-bytes} to use the views).
 */
final class PayloadBytes
{
    private final PointerBytesStore store = new PointerBytesStore();
    private Bytes<Void> bytes;

    /**
     * @param address the payload's first byte.
     * @param length  the claimed length.
     * @return the view, positioned to write from offset 0 up to {@code length} bytes.
     */
    Bytes<Void> forWrite(final long address, final int length)
    {
        return point(address, length);
    }

    /**
     * @param address the payload's first byte.
     * @param length  the message's length.
     * @return the view, positioned to read the {@code length} bytes of the message from offset 0.
     */
    Bytes<Void> forRead(final long address, final int length)
    {
        final Bytes<Void> view = point(address, length);
        view.readLimit(length);
        return view;
    }

    private Bytes<Void> point(final long address, final int length)
    {
        store.set(address, length);
        if (bytes == null)
        {
            bytes = store.bytesForWrite();
        }
        // clear() takes the limits from the store just set: read and write positions 0, write limit the length.
        bytes.clear();
        return bytes;
    }
}
