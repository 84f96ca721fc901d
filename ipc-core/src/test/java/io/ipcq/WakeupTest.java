package io.ipcq;

import io.ipcq.wait.Futex;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The wake-up protocol in this JVM. Run from target/classes (not the multi-release jar), so sleepers here use the
 * JDK 17 fallback, the UDP socket; {@link FutexWakeupTest} runs the same scenarios on the futex.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WakeupTest
{
    @RegisterExtension
    final TempQueues queues = new TempQueues();

    @Test
    void thisJvmUsesTheSocketFallback()
    {
        assertFalse(Futex.isAvailable(), "target/classes holds the JDK 17 Futex, which has no futex");
    }

    @Test
    void consumerIsWokenBySend() throws Exception
    {
        WakeupScenarios.consumerIsWokenBySend(queues.newPath());
    }

    @Test
    void sleeperInAHighRowIsWoken() throws Exception
    {
        WakeupScenarios.sleeperInAHighRowIsWoken(queues.newPath());
    }

    @Test
    void producerIsWokenByFree() throws Exception
    {
        WakeupScenarios.producerIsWokenByFree(queues.newPath());
    }

    @Test
    void sealWakesEverySleeper() throws Exception
    {
        WakeupScenarios.sealWakesEverySleeper(queues.newPath());
    }

    @Test
    void noWakeCallWithoutSleepers()
    {
        WakeupScenarios.noWakeCallWithoutSleepers(queues.newPath());
    }

    @Test
    void idleConsumerWakesRarely()
    {
        WakeupScenarios.idleConsumerWakesRarely(queues.newPath());
    }

    @Test
    void strategiesKeepTheirTimeout()
    {
        WakeupScenarios.strategiesKeepTheirTimeout(queues.newPath());
    }
}
