using System;
using System.Collections.Generic;
using System.Linq;
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
        var pool = new LoopObjectPool<Pooled>();
        var burst = new List<Pooled>();
        for (int i = 0; i < 1000; i++)
        {
            burst.Add(pool.Rent() ?? pool.Adopt(new Pooled()));
        }

        burst.ForEach(pool.Return);

        pool.Count.ShouldBe(1000);
        var again = new HashSet<Pooled>();
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
        var pool = new LoopObjectPool<Pooled>();
        for (int i = 0; i < 100; i++)
        {
            pool.Return(new Pooled());
        }

        // Each period rents and returns 10: the other 90 are unused, but only dropped once two whole periods between
        // trims agree (the one before the first trim counts as having used everything).
        void Period()
        {
            var rented = new List<Pooled>();
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
        var pool = new LoopObjectPool<Pooled>();
        WeakReference handedOut = RentOne(pool);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();

        handedOut.IsAlive.ShouldBeFalse();
    }

    [Fact]
    public void RequestTrim_AfterClose_AsksTheGcCallbackToStop()
    {
        var pool = new LoopObjectPool<Pooled>();

        pool.Close();

        pool.RequestTrim().ShouldBeFalse();
    }

    [Fact]
    public void Rent_AfterReturnsInAnyOrder_HandsOutInTheOrderTheObjectsWereMade()
    {
        var pool = new LoopObjectPool<Pooled>();
        var made = new List<Pooled>();
        for (int i = 0; i < 1000; i++)
        {
            made.Add(pool.Adopt(new Pooled()));
        }

        // Given back in a scrambled order, as sleeps of random lengths end.
        var random = new Random(7);
        foreach (Pooled item in made.OrderBy(_ => random.Next()))
        {
            pool.Return(item);
        }

        for (int i = 0; i < 1000; i++)
        {
            pool.Rent().ShouldBeSameAs(made[i]);
        }

        // One given back below the others out comes first again.
        pool.Return(made[500]);
        pool.Return(made[3]);
        pool.Rent().ShouldBeSameAs(made[3]);
        pool.Rent().ShouldBeSameAs(made[500]);
        pool.Rent().ShouldBeNull();
    }

    [Fact]
    public void Trim_DropsTheLastMadeFirst_AndNewObjectsTakeTheNumbersGivenUp()
    {
        var pool = new LoopObjectPool<Pooled>();
        var made = new List<Pooled>();
        for (int i = 0; i < 100; i++)
        {
            made.Add(pool.Adopt(new Pooled()));
        }

        // The last one stays out; the rest come back and sit unused for two periods.
        made.Take(99).ToList().ForEach(pool.Return);
        for (int i = 0; i < 3; i++)
        {
            Pooled rented = pool.Rent()!;
            rented.ShouldBeSameAs(made[0]);
            pool.Return(rented);
            pool.RequestTrim();
        }

        pool.Rent().ShouldBeSameAs(made[0]);
        pool.Count.ShouldBe(0);

        // The numbers the trim gave up (below the one still out) are taken by new objects, never past the table.
        var fresh = pool.Adopt(new Pooled());
        fresh.PoolNumber.ShouldBeInRange(1, 98);
        pool.Return(fresh);
        pool.Return(made[99]);
        pool.Return(made[0]);
        pool.Rent().ShouldBeSameAs(made[0]);
    }

    [Fact]
    public void Abandon_ObjectsThatNeverComeBack_GiveTheirNumbersToLaterOnes()
    {
        // Cancelled timers' nodes are never pooled again: a stream of them must not grow the pool's numbering.
        var pool = new LoopObjectPool<Pooled>();
        for (int round = 0; round < 1_000; round++)
        {
            var out1 = pool.Rent() ?? pool.Adopt(new Pooled());
            var out2 = pool.Rent() ?? pool.Adopt(new Pooled());
            out1.PoolNumber.ShouldBeLessThan(4);
            out2.PoolNumber.ShouldBeLessThan(4);
            pool.Abandon(out1);
            out1.PoolNumber.ShouldBe(-1);
            pool.Return(out2);
        }

        pool.Count.ShouldBe(1);
    }

    private sealed class Pooled : IPoolable
    {
        public int PoolNumber { get; set; } = -1;
    }

    private static WeakReference RentOne(LoopObjectPool<Pooled> pool)
    {
        pool.Return(new Pooled());
        return new WeakReference(pool.Rent());
    }
}
