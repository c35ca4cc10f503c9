# One image per service, built from the repository: docker build --build-arg MODULE=segmenter -t spinestream/segmenter .
# (docker-compose.yml builds all of them.) The build stage needs the Debian package libpixelmed-java, as the
# local build does (./spine setup); the runtime stage is a plain JRE with the module's jar, its libraries and,
# for the inference services, the shipped models.
FROM maven:3.9-eclipse-temurin-17 AS build
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libpixelmed-java python3 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN bash -c 'source scripts/setup.sh && log() { echo "$*"; } && die() { echo "$*"; exit 1; } && ensure_pixelmed_in_maven' \
 && mvn -q -B -DskipTests package

FROM eclipse-temurin:17-jre
ARG MODULE
WORKDIR /app
COPY --from=build /src/${MODULE}/target/lib/ /app/lib/
COPY --from=build /src/${MODULE}/target/spine-${MODULE}-0.1.0-SNAPSHOT.jar /app/service.jar
COPY --from=build /src/models/shipped/ /app/models/shipped/
# State stores, spool and DJL's unpacked libtorch live on volumes.
ENV DJL_CACHE_DIR=/var/lib/spinestream/djl
VOLUME ["/var/lib/spinestream"]
ENTRYPOINT ["java", "-XX:+UseG1GC", "-XX:MaxRAMPercentage=75", "-jar", "/app/service.jar"]
