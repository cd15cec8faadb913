using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// The tests that listen to the <c>Scheduler</c> meter and the tests that count allocations, kept from running at the
/// same time: a <c>MeterListener</c> enables the instruments of every loop in the process, and a loop that records
/// measurements into a listener allocates, which an allocation count running in parallel would see.
/// </summary>
[CollectionDefinition(Name)]
public sealed class MeterCollection
{
    public const string Name = "Scheduler meter";
}
