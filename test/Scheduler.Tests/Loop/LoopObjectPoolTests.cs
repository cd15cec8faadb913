using System;
using System.Collections.Generic;
using Shouldly;
using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// The loop's object pool (sleeps, completion hooks): it keeps as many as were ever out at once, gives back after two
/// trims what nothing used since, and never keeps alive what it handed out.
/// </summary>
public class LoopObjectPoolTests
{
    [Fact]
    public void RentAndReturn_ABurst_PoolsAllOfIt()
    {
        var pool = new LoopObjectPool<object>();
        var burst = new List<object>();
        for (int i = 0; i < 1000; i++)
        {
            burst.Add(pool.Rent() ?? new object());
        }

        burst.ForEach(pool.Return);

        pool.Count.ShouldBe(1000);
        var again = new HashSet<object>();
        for (int i = 0; i < 1000; i++)
        {
            again.Add(pool.Rent().ShouldNotBeNull());
        }

        again.SetEquals(burst).ShouldBeTrue();
        pool.Rent().ShouldBeNull();
    }

    [Fact]
    public void Trim_WhatTwoPeriodsLeftUnused_IsDroppedAndTheRestKept()
    {
        var pool = new LoopObjectPool<object>();
        for (int i = 0; i < 100; i++)
        {
            pool.Return(new object());
        }

        // Each period rents and returns 10: the other 90 are unused, but only dropped once two whole periods between
        // trims agree (the one before the first trim counts as having used everything).
        void Period()
        {
            var rented = new List<object>();
            for (int i = 0; i < 10; i++)
            {
                rented.Add(pool.Rent()!);
            }

            rented.ForEach(pool.Return);
        }

        Period();
        pool.RequestTrim().ShouldBeTrue();
        Period();
        pool.Count.ShouldBe(100);
        pool.RequestTrim();
        Period();
        pool.Count.ShouldBe(100);
        pool.RequestTrim();
        Period();
        pool.Count.ShouldBe(10);
    }

    [Fact]
    public void Rent_TheObjectHandedOut_IsNotKeptAliveByThePool()
    {
        var pool = new LoopObjectPool<object>();
        WeakReference handedOut = RentOne(pool);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        handedOut.IsAlive.ShouldBeFalse();
    }

    [Fact]
    public void RequestTrim_AfterClose_AsksTheGcCallbackToStop()
    {
        var pool = new LoopObjectPool<object>();

        pool.Close();

        pool.RequestTrim().ShouldBeFalse();
    }

    private static WeakReference RentOne(LoopObjectPool<object> pool)
    {
        pool.Return(new object());
        return new WeakReference(pool.Rent());
    }
}
