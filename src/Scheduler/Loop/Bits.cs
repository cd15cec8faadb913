namespace Scheduler;

/// <summary>Bit scans for the pool's bitmaps, with a fallback where the runtime has no intrinsic.</summary>
internal static class Bits
{
    /// <summary>The index of the lowest set bit; <paramref name="value"/> must not be zero.</summary>
    public static int TrailingZeroCount(ulong value)
    {
#if NETSTANDARD2_0
        int count = 0;
        while ((value & 1) == 0)
        {
            value >>= 1;
            count++;
        }

        return count;
#else
        return System.Numerics.BitOperations.TrailingZeroCount(value);
#endif
    }

    /// <summary>The number of zero bits above the highest set bit; <paramref name="value"/> must not be zero.</summary>
    public static int LeadingZeroCount(ulong value)
    {
#if NETSTANDARD2_0
        int count = 0;
        while ((value & (1UL << 63)) == 0)
        {
            value <<= 1;
            count++;
        }

        return count;
#else
        return System.Numerics.BitOperations.LeadingZeroCount(value);
#endif
    }
}
