using Xunit;

namespace Scheduler.Tests;

/// <summary>
/// The tests that listen to the <c>Scheduler</c> meter, and the tests that a listener would disturb, kept from running at
/// the same time: a <c>MeterListener</c> enables the instruments of every loop in the process. A loop that records
/// measurements into a listener allocates, which an allocation count would see; and it reads its clock for the timer
/// lag, where a failing clock costs only the measurement and is not reported, which a count of clock failures would see.
/// Not in parallel with any other test either: a loop in debug mode enables the TPL's events for the whole process, and
/// each task created or queued then allocates the event's arguments.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MeterCollection
{
    public const string Name = "Scheduler meter";
}
