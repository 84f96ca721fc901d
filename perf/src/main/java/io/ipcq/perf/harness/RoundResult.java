package io.ipcq.perf.harness;

import org.HdrHistogram.Histogram;

/**
 * What one measured round of one system gave.
 *
 * @param round       the interleaved round (1..rounds): every system's round r ran seconds apart.
 * @param seconds     length of the measured window.
 * @param messages    messages received in the window (rtt: pings answered, i.e. round trips).
 * @param histogram   latency samples of the window (rtt: round trip; otherwise one-way from the intended time).
 * @param fromSent    one-way latency from the actual send time (paced only).
 * @param fullAnswers FULL answers producers got in the window.
 * @param rejected    messages producers gave up on in the window (paced admission control).
 * @param depthMs     depth sample times, ms into the window.
 * @param depth       messages sent and not yet received at those times.
 */
record RoundResult(
    long round,
    double seconds,
    long messages,
    Histogram histogram,
    Histogram fromSent,
    long fullAnswers,
    long rejected,
    long[] depthMs,
    long[] depth)
{
    double msgsPerSec()
    {
        return messages / seconds;
    }

    double metric(final String metric)
    {
        return switch (metric)
        {
            case "msgsPerSec" -> msgsPerSec();
            case "p50Ns" -> histogram.getValueAtPercentile(50);
            case "p99Ns" -> histogram.getValueAtPercentile(99);
            case "p999Ns" -> histogram.getValueAtPercentile(99.9);
            case "maxNs" -> histogram.getMaxValue();
            default -> throw new IllegalArgumentException(metric);
        };
    }

    long depthMax()
    {
        long max = 0;
        for (final long d : depth)
        {
            max = Math.max(max, d);
        }
        return max;
    }

    /**
     * @return how much the depth grew over the window, by a least-squares line through the samples.
     */
    double depthGrowth()
    {
        final int n = depth.length;
        if (n < 2)
        {
            return 0;
        }
        double sumT = 0;
        double sumD = 0;
        for (int i = 0; i < n; i++)
        {
            sumT += depthMs[i];
            sumD += depth[i];
        }
        final double meanT = sumT / n;
        final double meanD = sumD / n;
        double num = 0;
        double den = 0;
        for (int i = 0; i < n; i++)
        {
            num += (depthMs[i] - meanT) * (depth[i] - meanD);
            den += (depthMs[i] - meanT) * (depthMs[i] - meanT);
        }
        return den == 0 ? 0 : num / den * seconds * 1000;
    }
}
