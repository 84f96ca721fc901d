package io.ipcq;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * What {@link CrashTrigger} reads from its property. The halt itself (the Nth passage) is proven in child JVMs by
 * CrashMatrixTest and the bridge's BridgeCrashTableTest; here only passages that must not halt are taken.
 */
class CrashTriggerTest
{
    enum Step
    {
        FIRST, SECOND
    }

    private static final String PROPERTY = "ipcq.test.crashTriggerTest";

    @Test
    void unsetPropertyArmsNothing()
    {
        System.clearProperty(PROPERTY);
        final CrashTrigger<Step> trigger = CrashTrigger.fromProperty(PROPERTY, Step.class, 97);
        assertFalse(trigger.armed());
        trigger.reached(Step.FIRST);
        trigger.reached(Step.SECOND);
    }

    @Test
    void armedPointDoesNotHaltBeforeItsCount()
    {
        System.setProperty(PROPERTY, "SECOND:3");
        try
        {
            final CrashTrigger<Step> trigger = CrashTrigger.fromProperty(PROPERTY, Step.class, 97);
            assertTrue(trigger.armed());
            for (int i = 0; i < 10; i++)
            {
                trigger.reached(Step.FIRST);            // another point never counts
            }
            trigger.reached(Step.SECOND);
            trigger.reached(Step.SECOND);               // the third would halt this JVM
        }
        finally
        {
            System.clearProperty(PROPERTY);
        }
    }

    @Test
    void badSpecsAreRefused()
    {
        try
        {
            System.setProperty(PROPERTY, "THIRD");
            assertThrows(IllegalArgumentException.class, () -> CrashTrigger.fromProperty(PROPERTY, Step.class, 97));
            System.setProperty(PROPERTY, "FIRST:x");
            assertThrows(NumberFormatException.class, () -> CrashTrigger.fromProperty(PROPERTY, Step.class, 97));
            System.setProperty(PROPERTY, "FIRST");
            assertTrue(CrashTrigger.fromProperty(PROPERTY, Step.class, 97).armed());
        }
        finally
        {
            System.clearProperty(PROPERTY);
        }
    }
}
