package io.ipcq.wait;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * The JDK 17 way to block in the kernel until another process says so: a UDP socket bound to 127.0.0.1 on a port
 * the kernel picks, one per sleeping handle; the sleeper waits in epoll (a {@link Selector}) with the deadline as its
 * timeout, and a waker sends it one byte. A datagram sent before the sleeper blocks waits in the socket, so a wake
 * between registration and sleep is not lost. Why UDP and not a Unix-domain socket or a FIFO: nothing to create or
 * delete in the file system (a sleeper killed with {@code kill -9} leaves no file behind, only a port the kernel
 * closes), and a wake is one {@code sendto}, with no connection to set up.
 * <p>
 * Public for the benchmark's wake-up floor (the same kernel path with no queue around it); the queue's own use goes
 * through {@link Waiter} and {@link WaitRegistry}.
 */
public final class WakeSocket implements AutoCloseable
{
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static DatagramChannel sender;

    private final DatagramChannel channel;
    private final Selector selector;
    private final ByteBuffer drain = ByteBuffer.allocateDirect(64);
    private final int port;

    public WakeSocket()
    {
        try
        {
            channel = DatagramChannel.open();
            channel.bind(new InetSocketAddress(LOOPBACK, 0));
            channel.configureBlocking(false);
            selector = Selector.open();
            channel.register(selector, SelectionKey.OP_READ);
            port = ((InetSocketAddress)channel.getLocalAddress()).getPort();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("cannot open the wake-up socket on " + LOOPBACK, e);
        }
    }

    /**
     * @return the port on 127.0.0.1 a waker sends to.
     */
    public int port()
    {
        return port;
    }

    /**
     * Drops wakes already delivered (they were for an earlier sleep).
     */
    public void drain()
    {
        try
        {
            while (channel.receive(drain.clear()) != null)
            {
                // drop it
            }
        }
        catch (final IOException ignore)
        {
            // nothing to drop
        }
    }

    /**
     * Blocks until a datagram arrives or the timeout passes.
     *
     * @param timeoutNs at most this long (rounded up to a millisecond).
     */
    public void await(final long timeoutNs)
    {
        try
        {
            selector.select(Math.max(1, (timeoutNs + 999_999) / 1_000_000));
            selector.selectedKeys().clear();
        }
        catch (final IOException e)
        {
            throw new UncheckedIOException("wait on the wake-up socket failed", e);
        }
    }

    /**
     * Sends one byte to a sleeper's port. A sleeper gone meanwhile loses nothing: the byte is dropped.
     *
     * @param port the sleeper's port on 127.0.0.1.
     */
    public static synchronized void send(final int port)
    {
        try
        {
            if (sender == null)
            {
                sender = DatagramChannel.open();
            }
            sender.send(ByteBuffer.wrap(new byte[]{ 1 }), new InetSocketAddress(LOOPBACK, port));
        }
        catch (final IOException ignore)
        {
            // No one listens there any more: the sleeper is gone, or woke and closed its socket.
        }
    }

    @Override
    public void close()
    {
        try
        {
            selector.close();
            channel.close();
        }
        catch (final IOException ignore)
        {
            // closing anyway
        }
    }
}
