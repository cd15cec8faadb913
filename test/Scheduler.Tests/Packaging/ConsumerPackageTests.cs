using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using Shouldly;
using Xunit;

namespace Scheduler.Tests.Packaging;

/// <summary>Runs the tests that build real packages on their own, after the others: packing takes both cores for a while.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PackagingCollection
{
    public const string Name = "Packaging";
}

/// <summary>
/// <c>dotnet pack</c> of src/Scheduler, once for the tests of this class, into a folder feed of a temporary folder that
/// is deleted afterwards.
/// </summary>
public sealed class PackedPackage : IDisposable
{
    public PackedPackage()
    {
        Directory.CreateDirectory(Work);
        Directory.CreateDirectory(Feed);
        string project = Path.Combine(RepositoryRoot(), "src", "Scheduler", "Scheduler.csproj");
        PackageTool.Dotnet(Work, PackageTool.Environment(), "pack", project, "-c", "Release", "-o", Feed);
        Package = Directory.GetFiles(Feed, "Scheduler.*.nupkg").Single();
        Version = Path.GetFileNameWithoutExtension(Package)["Scheduler.".Length..];
    }

    /// <summary>The temporary folder everything goes into.</summary>
    public string Work { get; } = Path.Combine(Path.GetTempPath(), "scheduler-consumer-" + Guid.NewGuid().ToString("N"));

    /// <summary>The folder feed holding the .nupkg and .snupkg.</summary>
    public string Feed => Path.Combine(Work, "feed");

    /// <summary>The path of the .nupkg.</summary>
    public string Package { get; }

    /// <summary>The package's version, as its file name gives it.</summary>
    public string Version { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Work, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a process that is ending: the temporary folder is left for the system to clear.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Scheduler.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Scheduler.sln above {AppContext.BaseDirectory}.");
    }
}

/// <summary>
/// The package as shipped: packed into a folder feed, then a tiny net10.0 console app that restores Scheduler from
/// that feed alone, builds, and runs <c>AsyncIO.Run</c> of a main that returns an exit code.
/// </summary>
/// <remarks>
/// About half a minute (pack, restore, build, run). Filter it out while iterating with
/// <c>dotnet test --filter Category!=Packaging</c>; <c>.ci/run</c> runs it.
/// </remarks>
[Collection(PackagingCollection.Name)]
[Trait("Category", "Packaging")]
public sealed class ConsumerPackageTests(PackedPackage packed) : IClassFixture<PackedPackage>
{
    [Fact]
    public void PackedPackage_ConsumedFromFolderFeed_RunsAMainOnTheLoop()
    {
        // Arrange
        string consumer = Directory.CreateDirectory(Path.Combine(packed.Work, "consumer")).FullName;
        string packages = Path.Combine(packed.Work, "packages");
        WriteConsumer(consumer, packed.Version, packed.Feed);

        // Act: restore from the feed alone into a package folder of its own (so no cached Scheduler is taken), build, run.
        Dictionary<string, string?> environment = PackageTool.Environment(packages);
        PackageTool.Dotnet(consumer, environment, "restore", "--configfile", "nuget.config");
        PackageTool.Dotnet(consumer, environment, "build", "--no-restore", "-c", "Release");
        ExternalProcess.Result run = ExternalProcess.Run(
            ExternalProcess.DotNet, [Path.Combine(consumer, "bin", "Release", "net10.0", "Consumer.dll")], consumer, PackageTool.StepTimeout, environment);

        // Assert
        run.ExitCode.ShouldBe(42, run.Output);
        run.Output.ShouldContain("gathered 1,2 on the loop thread: True", Case.Sensitive, run.Output);
        File.Exists(Path.Combine(packages, "scheduler", packed.Version, $"scheduler.{packed.Version}.nupkg"))
            .ShouldBeTrue("the consumer did not restore Scheduler from the folder feed");
    }

    [Fact]
    public void PackedPackage_Contents_HaveMetadataReadmeDocsAndSymbolsForEveryFramework()
    {
        using ZipArchive package = ZipFile.OpenRead(packed.Package);
        string[] entries = package.Entries.Select(e => e.FullName).ToArray();
        XElement nuspec = XDocument.Load(package.GetEntry("Scheduler.nuspec")!.Open()).Root!;
        XNamespace ns = nuspec.Name.Namespace;
        XElement metadata = nuspec.Element(ns + "metadata")!;
        using ZipArchive symbols = ZipFile.OpenRead(Path.ChangeExtension(packed.Package, ".snupkg"));

        metadata.Element(ns + "id")!.Value.ShouldBe("Scheduler");
        metadata.Element(ns + "description")!.Value.ShouldNotBeNullOrWhiteSpace();
        metadata.Element(ns + "tags")!.Value.ShouldContain("asyncio");
        metadata.Element(ns + "license")!.Value.ShouldBe("MIT");
        metadata.Element(ns + "license")!.Attribute("type")!.Value.ShouldBe("expression");
        metadata.Element(ns + "readme")!.Value.ShouldBe("README.md");
        metadata.Element(ns + "repository")!.Attribute("type")!.Value.ShouldBe("git");
        entries.ShouldContain("README.md");
        foreach (string framework in new[] { "netstandard2.0", "net8.0", "net10.0" })
        {
            entries.ShouldContain($"lib/{framework}/Scheduler.dll");
            entries.ShouldContain($"lib/{framework}/Scheduler.xml");
            symbols.GetEntry($"lib/{framework}/Scheduler.pdb").ShouldNotBeNull();
        }
    }

    private static void WriteConsumer(string directory, string version, string feed)
    {
        File.WriteAllText(Path.Combine(directory, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Scheduler" Version="{version}" />
              </ItemGroup>
            </Project>
            """);

        // The folder feed is the only source: the test needs no network, and cannot pick up another "Scheduler".
        File.WriteAllText(Path.Combine(directory, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);

        File.WriteAllText(Path.Combine(directory, "Program.cs"), """
            using System;
            using System.Threading.Tasks;
            using Scheduler;

            internal static class Program
            {
                private static int Main(string[] args) => AsyncIO.Run(() => MainAsync(args));

                private static async Task<int> MainAsync(string[] args)
                {
                    LoopTaskScheduler loop = AsyncIO.GetRunningLoop();
                    int loopThread = Environment.CurrentManagedThreadId;
                    Task<int> first = loop.CreateTask(async () => { await AsyncIO.Sleep(0.01); return 1; });
                    Task<int> second = loop.CreateTask(async () => { await AsyncIO.Sleep(0); return 2; });
                    int[] results = await AsyncIO.Gather(first, second);
                    Console.WriteLine($"gathered {string.Join(",", results)} on the loop thread: {Environment.CurrentManagedThreadId == loopThread}");
                    return 42;
                }
            }
            """);
    }

}

/// <summary>The dotnet commands of these tests, bounded and with a clean environment.</summary>
internal static class PackageTool
{
    /// <summary>Bound of each dotnet command: the whole test stays within a few minutes even on a slow machine.</summary>
    public static readonly TimeSpan StepTimeout = TimeSpan.FromMinutes(3);

    public static void Dotnet(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        ExternalProcess.Result result = ExternalProcess.Run(ExternalProcess.DotNet, arguments, workingDirectory, StepTimeout, environment);
        result.ExitCode.ShouldBe(0, $"dotnet {string.Join(' ', arguments)} failed:\n{result.Output}");
    }

    /// <summary>
    /// The child commands' environment: no build servers or reused nodes left running after a command (they would
    /// outlive the test and hold its output open); none of the MSBuild settings that <c>dotnet test</c> put into this
    /// process; with <paramref name="packages"/>, a package folder of the command's own.
    /// </summary>
    public static Dictionary<string, string?> Environment(string? packages = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["MSBUILDDISABLENODEREUSE"] = "1",
            ["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0",
            ["UseSharedCompilation"] = "false",
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
            ["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1",
        };
        if (packages is not null)
        {
            environment["NUGET_PACKAGES"] = packages;
        }

        foreach (string name in System.Environment.GetEnvironmentVariables().Keys.Cast<string>())
        {
            if (name.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) && !environment.ContainsKey(name))
            {
                environment[name] = null;
            }
        }

        return environment;
    }
}
